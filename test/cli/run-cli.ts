/** Test helper: runs `plugrig` in process through main() with captured output and no signal handlers. */
import { Writable } from 'node:stream';
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

export async function cli(argv: string[], opts: { signal?: AbortSignal; cwd?: string } = {}) {
  const out = capture();
  const err = capture();
  const code = await main(argv, { out: out.stream, err: err.stream, signal: opts.signal ?? new AbortController().signal, cwd: opts.cwd ?? process.cwd() });
  return { code, out: out.text(), err: err.text() };
}
