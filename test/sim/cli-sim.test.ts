/** `plugrig sim --pty`: first line names the pty, stays up until the signal aborts, then cleans up. */
import { describe, test, expect } from '@jest/globals';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { havePython } from '../cli/pty-module.js';
import { testIf } from '../support/describe-if.js';

function io(signal: AbortSignal) {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  err.resume();
  return { io: { out, err, signal, env: {}, cwd: process.cwd() }, text: () => text };
}

describe('plugrig sim', () => {
  testIf(havePython, 'the pty CLI test: python3 is not installed — apt-get install python3')(
    '--pty --hold prints "pty: <path>" first and exits 0 on abort',
    async () => {
      const ac = new AbortController();
      const t = io(ac.signal);
      const running = main(['sim', '--pty', '--hold', '--timing', 'fast'], t.io);
      const deadline = Date.now() + 5000;
      while (!t.text().includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const first = t.text().split('\n')[0]!;
      expect(first).toMatch(/^pty: \/dev\/pts\/\d+$/);
      const path = first.slice(5);
      expect(existsSync(path)).toBe(true);
      ac.abort();
      expect(await running).toBe(0);
      await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(path)).toBe(false); // the pty is gone with the helper
    },
  );

  test.each([
    [['sim'], 'nothing to do without --pty'],
    [['sim', '--pty', '--timing', 'slow'], '--timing slow'],
    [['sim', '--pty', '--fault', 'melt'], "--fault: bad fault 'melt'"],
  ])('%j is a usage error', async (argv, message) => {
    const ac = new AbortController();
    const errText: string[] = [];
    const err = new PassThrough();
    err.on('data', (d: Buffer) => errText.push(d.toString()));
    const code = await main(argv, { out: new PassThrough(), err, signal: ac.signal, env: {}, cwd: process.cwd() });
    expect(code).toBe(2);
    expect(errText.join('')).toContain(message);
  });
});
