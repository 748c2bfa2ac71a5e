/**
 * Every shell example in README.md runs as written against the simulated rigs (issue 11).
 *
 * Examples are the ```sh blocks and the indented lines starting with `plugrig` or `npm`, in README
 * order (a later block may rely on an earlier one, as a reader's shell would: the kept simulated
 * module is flashed before it is tested). How a line runs:
 * - `plugrig …` through a `plugrig` shim on PATH (`node bin/plugrig.js`), in a scratch directory
 *   under tmp/ holding what the README's commands name (rigs/, hardware/, the README's ```ts plan as
 *   my-plan.ts), with its own PLUGRIG_HOME. Nothing is added: `--virtual-time` only where the README
 *   writes it. Every command must exit 0.
 * - A line ending in `&` starts a server, as in an interactive shell: it runs in the background and
 *   the next line waits for its first line of output (its address); `kill %N` stops job N, which
 *   must then exit 0. `plugrig serve` (no `&`) runs until it prints `listening:`, then gets Ctrl-C.
 * - `npm …` lines name this package's own scripts (install, build, the whole test suite, the
 *   benchmarks): the test runs inside `npm test`, so they are checked to exist, not run.
 * - Lines that need real hardware (`--port /dev/…`, a Pi rig file) are skipped, printed with the
 *   reason.
 */
import { describe, expect, test } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Example {
  line: string;
  /** Where it is in README.md, for the failure message. */
  at: number;
}

/** The README's shell examples, in order. */
function examples(text: string): Example[] {
  const out: Example[] = [];
  const lines = text.split('\n');
  let inSh = false;
  let inOther = false;
  lines.forEach((raw, i) => {
    const fence = /^```(\w*)/.exec(raw);
    if (fence) {
      if (inSh || inOther) inSh = inOther = false;
      else if (fence[1] === 'sh') inSh = true;
      else inOther = true;
      return;
    }
    if (inOther) return;
    const indented = /^ {4}((?:plugrig|npm) .*)$/.exec(raw);
    const line = inSh ? raw.trim() : indented?.[1];
    if (line) out.push({ line: stripComment(line), at: i + 1 });
  });
  return out.filter((e) => e.line !== '');
}

/** "cmd --x  # why" → "cmd --x" (a # after whitespace, outside quotes). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trim();
  }
  return line.trim();
}

/** The README's TypeScript plan (the one block in ```ts). */
function readmePlan(text: string): string {
  const m = /```ts\n([\s\S]*?)```/.exec(text);
  if (!m) throw new Error('README.md has no ```ts plan example');
  return m[1]!;
}

function hardwareReason(line: string): string | undefined {
  if (/--port \/dev\//.test(line)) return 'needs a serial port with a real module';
  if (/rigs\/(pi[45]-|my-rig)/.test(line)) return 'needs a Raspberry Pi rig';
  return undefined;
}

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

class Job {
  out = '';
  readonly done: Promise<Done>;
  constructor(
    readonly line: string,
    readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out: this.out })));
  }

  /** Resolves once the output matches `re`; rejects if the process ends first or after `ms`. */
  async waitFor(re: RegExp, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!re.test(this.out)) {
      const ended = await Promise.race([this.done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
      if (ended) throw new Error(`\`${this.line}\` ended (${ended.code}) before printing ${re}:\n${ended.out}`);
      if (Date.now() > deadline) throw new Error(`\`${this.line}\` printed no ${re} within ${ms} ms:\n${this.out}`);
    }
  }
}

describe('README.md examples', () => {
  const found = examples(readme);

  test('the extractor finds the examples, including the new simulated targets', () => {
    const lines = found.map((e) => e.line);
    expect(lines).toEqual(
      expect.arrayContaining([
        'plugrig sim --write-image fw.bin',
        expect.stringMatching(/^plugrig sim --http .*&$/),
        expect.stringMatching(/^plugrig serve --rig rigs\/slot-a\.json --rig rigs\/slot-b\.json/),
        expect.stringMatching(/^plugrig run --plan my-plan\.ts/),
      ]),
    );
  });

  test('every example runs as written against the simulated rigs', async () => {
    const scratch = join(root, 'tmp', `readme-${process.pid}`);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(join(scratch, 'bin'), { recursive: true });
    const jobs: Job[] = [];
    try {
      for (const d of ['rigs', 'hardware', 'examples']) symlinkSync(join(root, d), join(scratch, d));
      writeFileSync(join(scratch, 'my-plan.ts'), readmePlan(readme));
      const shim = join(scratch, 'bin', 'plugrig');
      writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin', 'plugrig.js')}" "$@"\n`);
      chmodSync(shim, 0o755);
      const env = { ...process.env, PATH: `${join(scratch, 'bin')}:${process.env.PATH}`, PLUGRIG_HOME: join(scratch, 'home'), NODE_OPTIONS: '' };
      const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
      const skipped: string[] = [];
      const start = (line: string) => new Job(line, spawn('bash', ['-c', `exec ${line}`], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'] }));

      for (const { line, at } of found) {
        const where = `README.md:${at}: ${line}`;
        const hw = hardwareReason(line);
        if (hw) {
          skipped.push(`${where} (${hw})`);
          continue;
        }
        if (line.startsWith('npm ')) {
          // `npm ci && npm start`, `npm run bench:flash`: each names a script of this package.
          for (const cmd of line.split('&&').map((s) => s.trim().split(/\s+/))) {
            const name = cmd[1] === 'run' ? cmd[2]! : cmd[1]!;
            if (name !== 'ci') expect([where, name in scripts]).toEqual([where, true]);
          }
          continue;
        }
        const kill = /^kill %(\d+)$/.exec(line);
        if (kill) {
          const job = jobs[Number(kill[1]) - 1]!;
          job.child.kill('SIGTERM');
          const d = await job.done;
          expect([where, d.code, d.out]).toEqual([where, 0, d.out]);
          continue;
        }
        expect([where, line.startsWith('plugrig ')]).toEqual([where, true]);
        if (line.endsWith('&')) {
          const job = start(line.slice(0, -1).trim());
          jobs.push(job);
          await job.waitFor(/^\w[\w ]*: \S+/m, 30_000); // "http: http://…", "pty: /dev/pts/N"
          continue;
        }
        const job = start(line);
        if (/^plugrig serve\b/.test(line)) {
          await job.waitFor(/^listening: http:\/\//m, 60_000);
          job.child.kill('SIGINT');
        }
        const d = await job.done;
        expect([where, d.code, d.out]).toEqual([where, 0, d.out]);
      }
      if (skipped.length) process.stdout.write(`README examples skipped (need hardware):\n  ${skipped.join('\n  ')}\n`);
    } finally {
      for (const j of jobs) if (j.child.exitCode === null) j.child.kill('SIGKILL');
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 300_000);
});
