import { describe, expect, test } from '@jest/globals';
import { waitForDevice } from '../../src/checks/wait-for-device.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { ResetSequence } from '../../src/rig/types.js';

/** A rig whose firmware serves HTTP `upAfterMs` after its boot sequence ran (never, with Infinity). */
function fakeRig(clock: VirtualClock, upAfterMs: number, initialUrl?: string) {
  let url = initialUrl;
  let boots = 0;
  const boot: ResetSequence = {
    name: 'boot',
    text: 'cen=0; wait 100ms; cen=1',
    durationMs: 100,
    async run() {
      boots += 1;
      await new Promise<void>((r) => clock.setTimeout(r, 100));
      if (Number.isFinite(upAfterMs)) clock.setTimeout(() => (url = 'http://127.0.0.1:8080'), upAfterMs);
    },
  };
  return { rig: { name: 'fake', clock, boot, deviceUrl: () => url }, boots: () => boots };
}

describe('waitForDevice: boot, then wait for the HTTP address (virtual time)', () => {
  test("'always' boots, then returns the URL with the time since the call (boot sequence included)", async () => {
    const clock = new VirtualClock();
    const { rig, boots } = fakeRig(clock, 1500);
    const logs: string[] = [];
    const r = await waitForDevice(rig, { boot: 'always', timeoutMs: 5000, log: (m) => logs.push(m) });
    expect(boots()).toBe(1);
    expect(r.url).toBe('http://127.0.0.1:8080');
    expect(r.waitedMs).toBeGreaterThanOrEqual(1600);
    expect(r.waitedMs).toBeLessThanOrEqual(1700); // looked every 100 ms
    expect(logs[0]).toContain('cen=0; wait 100ms; cen=1');
    clock.stop();
  });

  test("'if-absent' does not reset a unit that already serves", async () => {
    const clock = new VirtualClock();
    const { rig, boots } = fakeRig(clock, 0, 'http://127.0.0.1:80');
    expect((await waitForDevice(rig, { boot: 'if-absent', timeoutMs: 1000 })).url).toBe('http://127.0.0.1:80');
    expect(boots()).toBe(0);
    clock.stop();
  });

  test('a unit that never serves: E_DEVICE_NO_URL at the deadline on the clock, with the fix in the hint', async () => {
    const clock = new VirtualClock();
    const { rig } = fakeRig(clock, Infinity);
    const t0 = clock.now();
    const err = await waitForDevice(rig, { boot: 'always', timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_DEVICE_NO_URL', hint: expect.stringContaining('deviceUrl') });
    expect(clock.now() - t0).toBeGreaterThanOrEqual(20_100);
    expect(clock.now() - t0).toBeLessThan(20_300);
    clock.stop();
  });

  test('abort ends the wait with E_ABORTED; a URL function works without a rig', async () => {
    const clock = new VirtualClock();
    const ac = new AbortController();
    clock.setTimeout(() => ac.abort(), 500);
    await expect(waitForDevice(() => undefined, { clock, timeoutMs: 60_000, signal: ac.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(clock.now()).toBeLessThan(1000 + 1000);
    clock.stop();
  });

  test("'always' on a rig without a boot sequence says so", async () => {
    const clock = new VirtualClock();
    await expect(waitForDevice({ name: 'bare', clock, deviceUrl: () => undefined }, { boot: 'always', timeoutMs: 100 })).rejects.toMatchObject({
      code: 'E_NO_BOOT_SEQUENCE',
    });
    clock.stop();
  });
});
