/**
 * What the compiled CLI loads at start-up (no timing: which modules, not how fast; the speed is
 * bench:startup's job). --help must not load serialport, ws, onoff or tsx; no command may load a
 * TypeScript file or the tsx loader, because bin/plugrig.js runs dist/.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'plugrig.js');
const recorder = fileURLToPath(new URL('./fixtures/record-imports.mjs', import.meta.url));

function runRecorded(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'plugrig-imports-'));
  const log = join(dir, 'imports.txt');
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PLUGRIG_IMPORT_LOG: log };
    delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not part of a user's start-up
    const r = spawnSync(process.execPath, ['--import', recorder, bin, ...args], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
    const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    return { code: r.status, out: r.stdout, err: r.stderr, urls: [...new Set(urls)] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('compiled CLI start-up', () => {
  test('dist/ is built (npm test builds first; alone: npm run build)', () => {
    expect(existsSync(join(root, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(root, 'dist', 'report', 'page', 'index.html'))).toBe(true);
  });

  test('--help loads only plugrig modules from dist/ and node builtins: no package at all', () => {
    const r = runRecorded(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: plugrig <command>');
    expect(r.urls).toContain(new URL('../../dist/cli/main.js', import.meta.url).href);
    const foreign = r.urls.filter(
      (u) =>
        !u.startsWith('node:') && !u.startsWith(new URL('../../dist/', import.meta.url).href) && u !== new URL('../../bin/plugrig.js', import.meta.url).href,
    );
    expect(foreign).toEqual([]);
  });

  test('--version prints package.json version and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = runRecorded(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${version}\n`);
  });

  test.each([[['run', '--help']], [['serve', '--help']], [['rig', 'check', join(root, 'rigs', 'sim.json')]]])('%j never loads a .ts file or tsx', (args) => {
    const r = runRecorded(args);
    expect(r.code).toBe(0);
    expect(r.urls.length).toBeGreaterThan(5); // the recorder saw the command's modules
    expect(r.urls.filter((u) => u.endsWith('.ts') || u.includes('/node_modules/tsx/'))).toEqual([]);
  });
});
