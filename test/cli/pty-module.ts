/**
 * For the CLI tests on a bare port: a simulated module served on a pty (the real serial binding
 * talks to it), opened before a suite's tests and closed after them. The pty server needs python3.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { createSimModule, startPtyServer, type PtyServer, type SimModule } from '../../src/sim/index.js';

type ModuleOptions = Parameters<typeof createSimModule>[0];

export const havePython = (() => {
  try {
    return readdirSync('/usr/bin').includes('python3');
  } catch {
    return false;
  }
})();

/** Call inside a describe: the module and its pty, set once beforeAll has run. */
export function ptyModuleForSuite(options: ModuleOptions): { readonly module: SimModule; readonly pty: PtyServer } {
  let module: SimModule | undefined;
  let pty: PtyServer | undefined;
  beforeAll(async () => {
    module = createSimModule(options);
    pty = await startPtyServer(module);
  });
  afterAll(async () => {
    await pty?.close();
    await module?.close();
  });
  return {
    get module() {
      if (!module) throw new Error('the pty module is opened in beforeAll');
      return module;
    },
    get pty() {
      if (!pty) throw new Error('the pty module is opened in beforeAll');
      return pty;
    },
  };
}
