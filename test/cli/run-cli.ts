/** Test helper: runs `plugrig` in process through main() with captured output and no signal handlers. */
import { Writable } from 'node:stream';
import type { Clock } from '../../src/core/clock.js';
import { main } from '../../src/cli/main.js';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

/** `clock`: the command's time source (share it with the test's fakes to run in virtual time). */
export async function cli(argv: string[], opts: { signal?: AbortSignal; cwd?: string; clock?: Clock } = {}) {
  const out = capture();
  const err = capture();
  const code = await main(argv, {
    out: out.stream,
    err: err.stream,
    signal: opts.signal ?? new AbortController().signal,
    cwd: opts.cwd ?? process.cwd(),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return { code, out: out.text(), err: err.text() };
}
