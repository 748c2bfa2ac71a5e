import { describe, expect, test } from '@jest/globals';
import { PlugrigError } from '../../src/core/errors.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { Station } from '../../src/station/station.js';
import { simulatedRunFactory, type SimSlotFaults } from '../../src/run/simulated-plan.js';
import type { RunEvent, Sink } from '../../src/core/run-types.js';

function collector(): Sink & { events: RunEvent[] } {
  const events: RunEvent[] = [];
  return { events, handle: (e) => void events.push(e) };
}

const slots = [
  { slot: 'slot0', rig: 'sim-a' },
  { slot: 'slot1', rig: 'sim-b' },
];

describe('Station', () => {
  test('one slot fails and hangs while the other passes undisturbed; the failed slot is retried alone', async () => {
    const faults = new Map<string, SimSlotFaults>([['slot1', { failCheck: 'relay' }]]);
    const sink = collector();
    const station = new Station({
      slots,
      sinks: [sink],
      factory: simulatedRunFactory({ timeScale: 0.02, imageBytes: 64 * 1024, faults: (s) => faults.get(s.slot) }),
    });

    // Round 1: slot1 fails a check.
    station.startAll();
    const [a, b] = await Promise.all([station.whenDone('slot0'), station.whenDone('slot1')]);
    expect(a?.outcome).toBe('PASS');
    expect(b?.outcome).toBe('FAIL');
    expect(b?.phases.find((p) => p.outcome === 'FAIL')?.measurements[0]).toMatchObject({ name: 'relay_follows_button', verdict: 'FAIL' });

    // Round 2: slot1 hangs in boot (deaf to its signal) while slot0 runs a full unit.
    faults.set('slot1', { hangPhase: 'boot' });
    const t0 = Date.now();
    station.start('slot1');
    station.start('slot0');
    const pass = await station.whenDone('slot0');
    const slot0Ms = Date.now() - t0;
    const hung = await station.whenDone('slot1');
    expect(pass?.outcome).toBe('PASS');
    expect(hung?.outcome).toBe('ERROR');
    expect(hung?.error?.code).toBe('E_PHASE_TIMEOUT');
    expect(hung?.phases.find((p) => p.name === 'boot')?.outcome).toBe('ERROR');
    expect(slot0Ms).toBeLessThan(2000); // not held up by its neighbour

    // Round 3: retry only slot1, now healthy.
    faults.delete('slot1');
    const slot0Runs = new Set(sink.events.filter((e) => e.slot === 'slot0').map((e) => e.runId)).size;
    station.start('slot1');
    expect(station.isRunning('slot0')).toBe(false);
    expect((await station.whenDone('slot1'))?.outcome).toBe('PASS');
    expect(new Set(sink.events.filter((e) => e.slot === 'slot0').map((e) => e.runId)).size).toBe(slot0Runs);

    // Events of the two slots never mix up run ids.
    for (const e of sink.events) expect(e.runId).toBeDefined();
    const runsBySlot = new Map<string, string>();
    for (const e of sink.events) {
      const slot = runsBySlot.get(e.runId);
      if (slot) expect(e.slot).toBe(slot);
      else runsBySlot.set(e.runId, e.slot);
    }
    await station.close();
  });

  test('aborting one slot leaves the other running', async () => {
    const station = new Station({ slots, sinks: [], factory: simulatedRunFactory({ timeScale: 0.02, imageBytes: 64 * 1024 }) });
    station.startAll();
    await new Promise((r) => setTimeout(r, 20));
    expect(station.abort('slot1')).toBe(true);
    const [a, b] = await Promise.all([station.whenDone('slot0'), station.whenDone('slot1')]);
    expect(b?.outcome).toBe('ABORTED');
    expect(a?.outcome).toBe('PASS');
    expect(station.abort('slot1')).toBe(false);
    await station.close();
  });

  test('a slot whose rig cannot be prepared gets an ERROR record naming why; busy and unknown slots are refused', async () => {
    const station = new Station({
      slots,
      sinks: [],
      prepareTimeoutMs: 100,
      factory: async (slot, signal) => {
        if (slot.slot === 'slot1') throw new PlugrigError('E_RIG_UNPLUGGED', 'serial port /dev/ttyUSB1 is gone', 'plug it back in');
        return simulatedRunFactory({ timeScale: 0.02, imageBytes: 64 * 1024 })(slot, signal);
      },
    });
    station.start('slot1');
    const rec = await station.whenDone('slot1');
    expect(rec?.outcome).toBe('ERROR');
    expect(rec?.error).toMatchObject({ code: 'E_RIG_UNPLUGGED' });
    expect(rec?.phases.map((p) => p.name)).toEqual(['prepare']);
    station.start('slot0');
    expect(() => station.start('slot0')).toThrow(expect.objectContaining({ code: 'E_SLOT_BUSY' }));
    expect(() => station.start('slot7')).toThrow(expect.objectContaining({ code: 'E_SLOT_UNKNOWN' }));
    await station.close();
    expect(() => new Station({ slots: [slots[0]!, slots[0]!], sinks: [], factory: async () => ({ rig: 'x', plan: [] }) })).toThrow(
      expect.objectContaining({ code: 'E_STATION_INVALID' }),
    );
  });

  test('a factory that hangs is cut off by the prepare deadline', async () => {
    const station = new Station({ slots, sinks: [], prepareTimeoutMs: 50, factory: () => new Promise(() => undefined) });
    station.start('slot0');
    const rec = await station.whenDone('slot0');
    expect(rec?.error?.code).toBe('E_PREPARE_TIMEOUT');
    await station.close();
  });

  test('on a virtual clock, two slots run the realistic (unscaled) 1 MiB plan in virtual time, durations in the record', async () => {
    const clock = new VirtualClock();
    const sink = collector();
    const station = new Station({ slots, sinks: [sink], clock, factory: simulatedRunFactory({ timeScale: 1 }) });
    const started = Date.now();
    station.startAll();
    const [a, b] = await Promise.all([station.whenDone('slot0'), station.whenDone('slot1')]);
    expect([a?.outcome, b?.outcome]).toEqual(['PASS', 'PASS']);
    const flash = a!.phases.find((p) => p.name === 'flash')!;
    expect(flash.durationMs).toBeGreaterThan(5000); // 256 sectors at 2 Mbaud with erase and program: seconds of model time
    expect(Date.now() - started).toBeLessThan(flash.durationMs!); // ... that cost less real time than that
    await station.close();
    clock.stop();
  });
});
