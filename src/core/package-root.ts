/**
 * The package root: the folder holding plugrig's package.json, with rigs/ and hardware/ beside it.
 * Found by walking up from this module rather than by a fixed '../..', so it is the same answer
 * from the TypeScript sources (src/core/, under ts-jest), from the build (dist/core/) and from an
 * installed copy (node_modules/plugrig/dist/core/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlugrigError } from './errors.js';

const PACKAGE_NAME = 'plugrig';
/** src/core → root is 2 levels; leave room for a deeper layout, but never walk the whole disk. */
const MAX_LEVELS = 6;

function readPackageJson(dir: string): { name?: unknown; version?: unknown } | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined; // a broken package.json on the way up is not ours
  }
}

/** Pure apart from reading package.json files: the first ancestor of `start` whose package.json is plugrig's. */
export function findPackageRoot(start: string, name = PACKAGE_NAME): string {
  let dir = start;
  for (let i = 0; i <= MAX_LEVELS; i++) {
    if (readPackageJson(dir)?.name === name) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new PlugrigError('E_INSTALL', `no package.json named '${name}' above ${start}`, 'reinstall plugrig (npm ci in a checkout, or npm install plugrig)');
}

/** Absolute path of the package root (…/plugrig), where package.json, rigs/ and hardware/ live. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The version in package.json (for `plugrig --version`). */
export function packageVersion(): string {
  const v = readPackageJson(PACKAGE_ROOT)?.version;
  return typeof v === 'string' ? v : 'unknown';
}
