/**
 * `plugrig <args>` (bin/plugrig.js) as a child process, for the tests and benchmarks that need a real
 * server process: its output collected, waits on that output with a deadline, and a kill that also runs
 * when the test process exits (a server left behind would keep jest alive).
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const PLUGRIG_BIN = join(PACKAGE_DIR, 'bin', 'plugrig.js');

export interface PlugrigChild {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** stdout and stderr so far. */
  out(): string;
  err(): string;
  /** The first match of `re` in stdout, waiting for it (output arrives in chunks of any size) up to `ms`. */
  waitForOut(re: RegExp, ms: number): Promise<RegExpExecArray>;
  /** SIGKILL unless it has ended; idempotent. Call it in `finally`. */
  kill(): void;
}

export function spawnPlugrig(args: readonly string[], env: NodeJS.ProcessEnv = process.env): PlugrigChild {
  const child = spawn(process.execPath, [PLUGRIG_BIN, ...args], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'], env });
  const killNow = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.once('exit', killNow);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const waitForOut = (re: RegExp, ms: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const done = () => {
        clearTimeout(t);
        child.stdout.off('data', look);
        child.off('exit', exited);
      };
      const look = () => {
        const m = re.exec(out);
        if (!m) return;
        done();
        resolve(m);
      };
      const exited = (code: number | null) => {
        done();
        reject(new Error(`plugrig ${args[0]} exited (${code}) before ${re}: ${out} ${err}`));
      };
      const t = setTimeout(() => {
        done();
        reject(new Error(`no ${re} within ${ms} ms: ${out} ${err}`));
      }, ms);
      child.stdout.on('data', look);
      child.once('exit', exited);
      look();
    });
  return {
    child,
    out: () => out,
    err: () => err,
    waitForOut,
    kill() {
      killNow();
      process.off('exit', killNow);
    },
  };
}
