/**
 * The operator page's static files, read once into memory (no framework). They sit in page/ beside
 * this module: in src/ for the tests, and in dist/ where `npm run build` copies them
 * (scripts/build-assets.mjs), because tsc emits only what it compiles.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PlugrigError } from '../core/errors.js';

export type PageFiles = Map<string, { type: string; body: Buffer }>;

const FILES: Record<string, string> = {
  '/index.html': 'text/html; charset=utf-8',
  '/app.js': 'text/javascript; charset=utf-8',
  '/style.css': 'text/css; charset=utf-8',
};

export async function loadPage(dir: URL = new URL('./page/', import.meta.url)): Promise<PageFiles> {
  const files: PageFiles = new Map();
  for (const [path, type] of Object.entries(FILES)) {
    const file = new URL(`.${path}`, dir);
    try {
      files.set(path, { type, body: await readFile(file) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new PlugrigError(
        'E_NOT_BUILT',
        `the operator page file ${fileURLToPath(file)} is missing`,
        'run `npm run build` (it copies src/report/page/ into dist/), or reinstall plugrig',
      );
    }
  }
  return files;
}
