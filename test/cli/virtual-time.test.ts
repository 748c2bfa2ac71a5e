import { describe, expect, test } from '@jest/globals';
import { cli } from './run-cli.js';

describe('--virtual-time', () => {
  test.each([['run'], ['test'], ['serve']])('plugrig %s refuses it on a real rig, naming the rig and the fix', async (cmd) => {
    const r = await cli([cmd, '--rig', 'rigs/pi4-rmc021.json', '--virtual-time', ...(cmd === 'serve' ? ['--port', '0'] : [])]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_USAGE: --virtual-time needs simulated rigs only; \S+ is a pi rig/);
    expect(r.err).toContain('drop --virtual-time for real hardware');
  });

  test.each([['run'], ['test'], ['serve']])('plugrig %s --help documents it', async (cmd) => {
    const r = await cli([cmd, '--help']);
    expect(r.out).toContain('--virtual-time');
    expect(r.out).toMatch(/simulated rigs only; run the whole job on one virtual clock/);
  });
});
