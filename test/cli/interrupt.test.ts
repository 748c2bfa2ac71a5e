/**
 * Issue 11 item 5, on a bare port (real serial binding, a pty whose simulated module is unpowered, so
 * nothing ever answers): the wait for the manual reset says what to do and ends at --wait; one
 * SIGINT ends the real process within 2 s. Real time is what is tested here.
 */
import { expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeIf, testIf } from '../support/describe-if.js';
import { havePython, ptyModuleForSuite } from './pty-module.js';
import { cli } from './run-cli.js';

const built = existsSync(join(process.cwd(), 'dist/cli/main.js'));
const ptyDescribe = describeIf(havePython, 'the bare-port wait tests: python3 (the simulator pty server) is not installed');

ptyDescribe('a bare port nobody resets', () => {
  const sim = ptyModuleForSuite({ timing: 'fast', powered: false });

  test('info --port says what to do and gives up at --wait, with the fix', async () => {
    const t0 = performance.now();
    const r = await cli(['info', '--port', sim.pty.path, '--wait', '1']);
    const secs = (performance.now() - t0) / 1000;
    expect(r.err).toMatch(
      /^waiting up to 1 s for the chip on .*: reset it now \(CEN to GND briefly, or unplug and replug its 3\.3 V\); --wait <s> to change$/m,
    );
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n').at(-1)).toMatch(/^E_LINK_NO_REPLY: .* — reset the chip .*; waited 1 s; --wait <s> gives you longer/);
    expect(secs).toBeLessThan(6);
  }, 20_000);

  testIf(built, 'the SIGINT test of the built binary: dist/ is missing — npm run build')(
    'one SIGINT ends the process within 2 s, exit 130, with a next step',
    async () => {
      const child = spawn(process.execPath, ['bin/plugrig.js', 'info', '--port', sim.pty.path, '--wait', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (err.includes('waiting up to 60 s')) {
            clearInterval(poll);
            resolve();
          }
        }, 20);
        child.on('exit', () => reject(new Error(`exited before waiting: ${err}`)));
      });
      const t0 = performance.now();
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      const ms = performance.now() - t0;
      expect(code).toBe(130);
      expect(ms).toBeLessThan(2000);
      expect(err).toMatch(/SIGINT: stopping cleanly/);
      expect(err.trimEnd().split('\n').at(-1)).toMatch(/^E_ABORTED: .* — /);
    },
    30_000,
  );
});
