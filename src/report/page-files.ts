/** The operator page's static files, read once into memory (no build step, no framework). */
import { readFile } from 'node:fs/promises';

export type PageFiles = Map<string, { type: string; body: Buffer }>;

const FILES: Record<string, string> = {
  '/index.html': 'text/html; charset=utf-8',
  '/app.js': 'text/javascript; charset=utf-8',
  '/style.css': 'text/css; charset=utf-8',
};

export async function loadPage(dir: URL = new URL('./page/', import.meta.url)): Promise<PageFiles> {
  const files: PageFiles = new Map();
  for (const [path, type] of Object.entries(FILES)) {
    files.set(path, { type, body: await readFile(new URL(`.${path}`, dir)) });
  }
  return files;
}
