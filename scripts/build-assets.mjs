#!/usr/bin/env node
/**
 * The second half of `npm run build` (after tsc): copies the files tsc does not emit (the operator
 * page's .html/.css/.js) from src/ into dist/ at the same relative path, and removes compiled files
 * whose source is gone, so a stale module never ships in the package. Plain node, no dependencies.
 * Idempotent: a file whose bytes are already right is not rewritten (a CLI running from dist/ while
 * the build runs again never sees a half-written asset).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const ASSET = /\.(html|css|js)$/;
/** What tsc makes of foo.ts. */
const COMPILED = /\.(d\.ts|js)$/;

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

if (!existsSync(join(dist, 'cli', 'main.js'))) {
  console.error('build-assets: dist/cli/main.js is missing; run tsc -p tsconfig.build.json first');
  process.exit(1);
}

let copied = 0;
const assets = new Set();
for (const file of walk(src)) {
  if (!ASSET.test(file)) continue;
  const rel = relative(src, file);
  assets.add(rel);
  const out = join(dist, rel);
  const body = readFileSync(file);
  if (existsSync(out) && readFileSync(out).equals(body)) continue;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, body);
  copied++;
}

let removed = 0;
for (const file of walk(dist)) {
  const rel = relative(dist, file);
  if (assets.has(rel) || !COMPILED.test(rel)) continue;
  const source = join(src, rel.replace(COMPILED, '.ts'));
  if (existsSync(source)) continue;
  rmSync(file);
  removed++;
}
if (copied || removed) console.log(`build-assets: ${copied} asset(s) copied, ${removed} stale file(s) removed from dist/`);
