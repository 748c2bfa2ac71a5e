import { describe, expect, test } from '@jest/globals';
import { PlugrigError } from '../../src/core/errors.js';
import { sleep as sleepOn } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { decideOutcome, foldEvents } from '../../src/core/record.js';
import { runPlan, type RunPlanOptions } from '../../src/run/runner.js';
import type { Phase, RunEvent, Sink } from '../../src/core/run-types.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function collector(durable = false): Sink & { events: RunEvent[] } {
  const events: RunEvent[] = [];
  return { durable, events, handle: (e) => void events.push(e) };
}

const passing = (name: string): Phase => ({
  name,
  timeoutMs: 1000,
  async run(ctx) {
    ctx.measure({ name: `${name}_ok`, value: 1, limits: { equals: 1 } });
  },
});

/** A phase whose one check fails (a measurement that is false where true is required); `onRun` sees it run. */
const failing = (name: string, onRun?: () => void): Phase => ({
  name,
  timeoutMs: 500,
  async run(ctx) {
    onRun?.();
    ctx.measure({ name: `${name}_ok`, value: false, limits: { equals: true } });
  },
});

/** runPlan on a throwaway slot and rig, with no sinks unless a test gives some. */
const runOn = (opts: Omit<RunPlanOptions, 'slot' | 'rig' | 'sinks'> & { sinks?: Sink[] }) => runPlan({ slot: 's', rig: 'r', sinks: [], ...opts });

describe('runPlan', () => {
  test('a passing plan: stamped, ordered events; durable sinks first; record folded from events', async () => {
    const durableSeen = new Set<number>();
    const durable: Sink = {
      durable: true,
      async handle(e) {
        await sleep(1); // a slow disk
        durableSeen.add(e.seq);
      },
    };
    const order: string[] = [];
    const other: Sink = {
      handle(e) {
        order.push(durableSeen.has(e.seq) ? 'after-durable' : 'BEFORE-durable');
      },
    };
    const all = collector();
    const rec = await runPlan({
      slot: 'slot0',
      rig: 'sim',
      plan: [
        passing('link'),
        {
          name: 'flash',
          timeoutMs: 1000,
          async run(ctx) {
            ctx.identify({ mac: 'C8478C000001' });
            ctx.progress({ done: 0, total: 100, unit: 'bytes' });
            ctx.progress({ done: 100, total: 100, unit: 'bytes' });
            ctx.artifact('backup', '/tmp/b.bin', 'abc');
          },
        },
      ],
      sinks: [other, durable, all],
    });
    expect(rec.outcome).toBe('PASS');
    expect(rec.status).toBe('finished');
    expect(order.every((o) => o === 'after-durable')).toBe(true);
    const ev = all.events;
    expect(ev.map((e) => e.seq)).toEqual(ev.map((_, i) => i + 1));
    expect(new Set(ev.map((e) => e.runId)).size).toBe(1);
    expect(ev.every((e) => e.slot === 'slot0' && typeof e.t === 'number')).toBe(true);
    expect(ev[0]!.type).toBe('run.started');
    expect(ev.at(-1)!.type).toBe('run.finished');
    expect(rec.unit.mac).toBe('C8478C000001');
    expect(rec.backupPath).toBe('/tmp/b.bin');
    expect(foldEvents([...ev].reverse())).toEqual(rec);
  });

  test('the first FAIL stops the run; later phases are SKIP with the reason', async () => {
    const ran: string[] = [];
    const rec = await runOn({
      plan: [passing('link'), failing('relay', () => ran.push('relay')), { name: 'led', timeoutMs: 500, run: async () => void ran.push('led') }],
    });
    expect(rec.outcome).toBe('FAIL');
    expect(ran).toEqual(['relay']);
    const led = rec.phases.find((p) => p.name === 'led')!;
    expect(led.outcome).toBe('SKIP');
    expect(led.skipReason).toBe('not run after relay failed');
  });

  test('an independent phase that fails lets the later ones run; an error still stops the run', async () => {
    const ran: string[] = [];
    const rec = await runOn({
      plan: [
        { ...failing('relay', () => ran.push('relay')), independent: true },
        {
          ...passing('bl0937'),
          independent: true,
          run: async (ctx) => {
            ran.push('bl0937');
            ctx.measure({ name: 'p', value: 1, limits: { equals: 1 } });
          },
        },
        {
          name: 'led',
          timeoutMs: 500,
          independent: true,
          run: async () => {
            ran.push('led');
            throw new PlugrigError('E_DEVICE_HTTP_TIMEOUT', 'no answer');
          },
        },
        { name: 'after', timeoutMs: 500, run: async () => void ran.push('after') },
      ],
    });
    expect(ran).toEqual(['relay', 'bl0937', 'led']);
    expect(rec.outcome).toBe('ERROR');
    expect(rec.phases.map((p) => p.outcome)).toEqual(['FAIL', 'PASS', 'ERROR', 'SKIP']);
    expect(rec.phases[3]!.skipReason).toBe('not run after led failed');
  });

  test('a phase whose requirement did not pass is skipped, naming it; one whose requirement passed runs', async () => {
    const ran: string[] = [];
    const rec = await runOn({
      plan: [
        { ...failing('relay'), independent: true },
        { ...passing('led'), independent: true },
        { name: 'relay-button', timeoutMs: 500, requires: ['relay'], run: async () => void ran.push('relay-button') },
        {
          name: 'led-blink',
          timeoutMs: 500,
          requires: ['led'],
          run: async (ctx) => {
            ran.push('led-blink');
            ctx.measure({ name: 'x', value: 1, limits: { equals: 1 } });
          },
        },
      ],
    });
    expect(ran).toEqual(['led-blink']);
    const rb = rec.phases.find((p) => p.name === 'relay-button')!;
    expect(rb.outcome).toBe('SKIP');
    expect(rb.skipReason).toBe('not judged: needs relay to pass (relay FAIL)');
    expect(rec.outcome).toBe('FAIL');
  });

  test('a MAC is recorded in one form whichever way a phase read it', async () => {
    const rec = await runOn({
      plan: [
        {
          name: 'identity',
          timeoutMs: 500,
          run: async (ctx) => {
            ctx.identify({ mac: 'c8:47:8c:0a:0b:0c' });
            ctx.measure({ name: 'x', value: 1, limits: { equals: 1 } });
          },
        },
      ],
    });
    expect(rec.unit.mac).toBe('C8478C0A0B0C');
  });

  test('a hung phase is abandoned as ERROR E_PHASE_TIMEOUT and cannot write into the run afterwards', async () => {
    const all = collector();
    let lateSignalAborted = false;
    const started = Date.now();
    const rec = await runOn({
      plan: [
        passing('link'),
        {
          name: 'boot',
          timeoutMs: 50,
          async run(ctx) {
            await sleep(150); // ignores its signal, like a stuck driver
            lateSignalAborted = ctx.signal.aborted;
            ctx.measure({ name: 'late', value: 1, limits: { equals: 1 } });
          },
        },
      ],
      sinks: [all],
    });
    expect(Date.now() - started).toBeLessThan(140);
    expect(rec.outcome).toBe('ERROR');
    expect(rec.error?.code).toBe('E_PHASE_TIMEOUT');
    expect(rec.phases[1]!.error?.code).toBe('E_PHASE_TIMEOUT');
    await sleep(150);
    expect(lateSignalAborted).toBe(true);
    expect(all.events.some((e) => e.type === 'measurement' && e.measurement.name === 'late')).toBe(false);
  });

  test('group retries run beforeRetry and keep only the last attempt measurements', async () => {
    let tries = 0;
    let resets = 0;
    const rec = await runOn({
      plan: [
        {
          name: 'link',
          timeoutMs: 500,
          retries: 3,
          beforeRetry: async () => void (resets += 1),
          async run(ctx) {
            tries += 1;
            ctx.measure({ name: 'reply', value: tries >= 3, limits: { equals: true } });
          },
        },
      ],
    });
    expect(rec.outcome).toBe('PASS');
    expect(tries).toBe(3);
    expect(resets).toBe(2);
    expect(rec.phases[0]!.attempts).toBe(3);
    expect(rec.phases[0]!.measurements).toEqual([{ name: 'reply', value: true, limits: { equals: true }, verdict: 'PASS' }]);
    expect(rec.warnings).toBe(2);
  });

  test('bad input is not retried', async () => {
    let tries = 0;
    const rec = await runOn({
      plan: [
        {
          name: 'flash',
          timeoutMs: 500,
          retries: 2,
          async run() {
            tries += 1;
            throw new PlugrigError('E_IMAGE_INVALID', 'not a BK7231N image', 'use the QIO image');
          },
        },
      ],
    });
    expect(tries).toBe(1);
    expect(rec.outcome).toBe('ERROR');
    expect(rec.error).toEqual({ code: 'E_IMAGE_INVALID', message: 'not a BK7231N image', hint: 'use the QIO image' });
  });

  test('abort ends a phase that ignores its signal: ABORTED, rest SKIP', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const rec = await runOn({
      signal: ac.signal,
      plan: [passing('link'), { name: 'flash', timeoutMs: 5000, run: () => sleep(1000) }, passing('verify')],
    });
    expect(rec.outcome).toBe('ABORTED');
    expect(rec.phases.map((p) => p.outcome)).toEqual(['PASS', 'ABORTED', 'SKIP']);
    expect(rec.phases[2]!.skipReason).toMatch(/aborted during flash/);
  });

  test('a run in which nothing was verified is never PASS', async () => {
    const rec = await runOn({
      plan: [{ name: 'power', timeoutMs: 100, run: async (ctx) => void ctx.measure({ name: 'v', value: 3.3 }) }],
    });
    expect(rec.phases[0]!.outcome).toBe('PASS');
    expect(rec.outcome).toBe('FAIL');
    expect(rec.error?.code).toBe('E_NOTHING_VERIFIED');
    expect(decideOutcome([], false).outcome).toBe('FAIL');
  });

  test('skip() ends a phase as SKIP with its reason and the run continues', async () => {
    const rec = await runOn({
      plan: [{ name: 'bl0937', timeoutMs: 100, run: async (ctx) => ctx.skip('P7 not wired') }, passing('relay')],
    });
    expect(rec.outcome).toBe('PASS');
    expect(rec.phases[0]).toMatchObject({ outcome: 'SKIP', skipReason: 'P7 not wired' });
  });

  test('a failing durable sink stops the run and rejects with E_STORE_WRITE', async () => {
    let ran = false;
    const bad: Sink = {
      durable: true,
      handle(e) {
        if (e.type === 'phase.finished') throw new Error('ENOSPC');
      },
    };
    await expect(runOn({ plan: [passing('a'), { name: 'b', timeoutMs: 100, run: async () => void (ran = true) }], sinks: [bad] })).rejects.toMatchObject({
      code: 'E_STORE_WRITE',
    });
    expect(ran).toBe(false);
  });

  test('progress is throttled but the final step always goes out, with speed and ETA filled in', async () => {
    const all = collector();
    await runOn({
      progressIntervalMs: 20,
      plan: [
        {
          name: 'flash',
          timeoutMs: 1000,
          async run(ctx) {
            for (let i = 0; i <= 10; i++) {
              ctx.progress({ done: i * 1000, total: 10_000, unit: 'bytes' });
              await sleep(5);
            }
            ctx.measure({ name: 'crc', value: true, limits: { equals: true } });
          },
        },
      ],
      sinks: [all],
    });
    const prog = all.events.filter((e) => e.type === 'phase.progress');
    expect(prog.length).toBeGreaterThan(1);
    expect(prog.length).toBeLessThan(11);
    const last = prog.at(-1)!;
    if (last.type !== 'phase.progress') throw new Error('type');
    expect(last.progress.done).toBe(10_000);
    expect(last.progress.bytesPerSec).toBeGreaterThan(0);
  });

  test('on an injected clock: ctx.clock is it, deadlines and durations run on it, event times are its wall time', async () => {
    const clock = new VirtualClock({ startMs: 0, wallStartMs: Date.UTC(2026, 10, 29, 8, 0, 0) });
    const all = collector();
    let seen: unknown;
    const started = Date.now();
    const rec = await runOn({
      clock,
      plan: [
        {
          name: 'wait',
          timeoutMs: 120_000,
          async run(ctx) {
            seen = ctx.clock;
            await sleepOn(ctx.clock, 60_000, ctx.signal); // a minute of virtual time
            ctx.measure({ name: 'ok', value: 1, limits: { equals: 1 } });
          },
        },
        { name: 'hang', timeoutMs: 30_000, run: () => new Promise<void>(() => undefined) },
      ],
      sinks: [all],
    });
    clock.stop();
    expect(seen).toBe(clock);
    expect(Date.now() - started).toBeLessThan(10_000); // no real minute passed
    expect(rec.phases.map((p) => [p.name, p.outcome, p.durationMs])).toEqual([
      ['wait', 'PASS', 60_000],
      ['hang', 'ERROR', 30_000],
    ]);
    expect(rec.phases[1]!.error?.code).toBe('E_PHASE_TIMEOUT');
    expect(all.events[0]!.t).toBe(Date.UTC(2026, 10, 29, 8, 0, 0));
    expect(rec.runId).toMatch(/^20261129T080000-/);
    const finished = all.events.at(-1)!;
    expect(finished.t).toBe(Date.UTC(2026, 10, 29, 8, 1, 30));
    if (finished.type !== 'run.finished') throw new Error('type');
    expect(finished.durationMs).toBe(90_000);
  });
});
