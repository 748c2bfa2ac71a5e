/**
 * `plugrig run` refuses bad input with one line naming what is wrong, before it touches a rig or
 * the store. (The plan itself runs end to end in test/run/unit-plan.faults.test.ts.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { cli } from './run-cli.js';

const store = () => mkdtempSync(join(tmpdir(), 'plugrig-run-'));

describe('plugrig run: bad input', () => {
  test('an unknown fault switch lists the known ones', async () => {
    const r = await cli(['run', '--store', store(), '--sim-fault', 'relay-stuk']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_USAGE: --sim-fault: .*relay-stuk.*— names: relay-stuck, button-unwired/m);
  });

  test('a missing image names the path', async () => {
    const r = await cli(['run', '--store', store(), 'no-such-image.bin']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_IMAGE_MISSING: cannot read image .*no-such-image\.bin/m);
  });

  test('an unaligned offset is refused with the fix', async () => {
    const r = await cli(['run', '--store', store(), '--offset', '0x11001']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_IMAGE_OFFSET: --offset 0x11001 is not 4 KiB aligned — use a multiple of 0x1000/m);
  });

  test('fault switches on a real rig are refused', async () => {
    const r = await cli(['run', '--store', store(), '--rig', 'rigs/pi4-rmc021.json', '--sim-fault', 'relay-stuck']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--sim-fault needs a simulated rig/);
  });

  test('a stray argument is a usage error', async () => {
    const r = await cli(['run', 'a.bin', 'b.bin']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_USAGE: run: expected 0 to 1 argument\(s\), got 2 \(a\.bin b\.bin\)/m);
  });
});
