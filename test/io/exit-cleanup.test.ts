/** The last-chance release of lines: run in a child process that gets SIGTERM or exits. */
import { describe, test, expect, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'plugrig-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const module = resolve('src/io/exit-cleanup.ts');

/**
 * Runs `body` in a child process that has first registered a cleanup (removable with `off()`);
 * `cleanedUp` says whether that cleanup ran before the child ended.
 */
function child(body: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; cleanedUp: boolean }> {
  const name = `child-${Math.random().toString(36).slice(2)}`;
  const file = join(dir, `${name}.ts`);
  const marker = join(dir, `${name}.cleaned`);
  writeFileSync(
    file,
    `import { onProcessExit } from ${JSON.stringify(module)};\nimport { writeFileSync } from 'node:fs';\n` +
      `const off = onProcessExit(() => writeFileSync(${JSON.stringify(marker)}, 'unexported'));\n${body}\n`,
  );
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.on('exit', (code, signal) => res({ code, signal, stdout, cleanedUp: existsSync(marker) && readFileSync(marker, 'utf8') === 'unexported' }));
  });
}

describe('exit cleanup', () => {
  test('SIGTERM with nobody else listening: cleanups run, then the process dies of SIGTERM', async () => {
    const r = await child(`setTimeout(() => {}, 10000);\nprocess.kill(process.pid, 'SIGTERM');`);
    expect(r.signal).toBe('SIGTERM');
    expect(r.cleanedUp).toBe(true);
  }, 20_000);

  test('another SIGINT handler owns the shutdown; the cleanup still runs at exit', async () => {
    const r = await child(
      `process.on('SIGINT', () => { console.log('graceful'); process.exitCode = 130; clearTimeout(t); });\nconst t = setTimeout(() => {}, 10000);\nprocess.kill(process.pid, 'SIGINT');`,
    );
    expect(r.stdout.trim()).toBe('graceful');
    expect(r.code).toBe(130);
    expect(r.cleanedUp).toBe(true);
  }, 20_000);

  test('a removed cleanup does not run', async () => {
    const r = await child('off();');
    expect(r.code).toBe(0);
    expect(r.cleanedUp).toBe(false);
  }, 20_000);
});
