import type { Config } from 'jest';
import { createDefaultEsmPreset } from 'ts-jest';

const config: Config = {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.json' }),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // NodeNext-style imports name ./x.js; the sources are ./x.ts
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30_000,
  // The suite is mostly CPU on a virtual clock; use both cores of the 2-core machines it runs on.
  maxWorkers: 2,
};
export default config;
