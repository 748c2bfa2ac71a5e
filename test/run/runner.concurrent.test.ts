/**
 * Concurrent groups in the runner: consecutive `concurrent` phases overlap where their `uses` are
 * disjoint, keep plan order where they share a key, each keeps its own deadline, outcome and
 * events; a plan that does not opt in runs one phase at a time as before. On a VirtualClock, so
 * the overlap shows as virtual time, not as the machine's speed.
 */
import { describe, expect, test } from '@jest/globals';
import { sleep } from '../../src/core/clock.js';
import { foldEvents } from '../../src/core/record.js';
import type { Phase, RunEvent, Sink } from '../../src/core/run-types.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { phase } from '../../src/plan/phase.js';
import { conflicts, phaseGroups, runPlan } from '../../src/run/runner.js';
import { buildCheckPhases } from '../../src/checks/plan.js';
import { parseTemplate } from '../../src/device/template.js';
import { PACKAGE_ROOT } from '../../src/rig/config.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

function collector(): Sink & { events: RunEvent[] } {
  const events: RunEvent[] = [];
  return { events, handle: (e) => void events.push(e) };
}

/** The clock's reading when the run began: traces are relative to it. */
let base = 0;

/** A phase that waits `ms` on the run's clock, logging start and end on `trace`, then passes or fails. */
function waits(name: string, ms: number, trace: string[], o: Partial<Phase> & { fail?: boolean } = {}): Phase {
  const { fail, ...rest } = o;
  return {
    name,
    timeoutMs: 10_000,
    ...rest,
    async run(ctx) {
      trace.push(`${name}+${Math.round(ctx.clock.now() - base)}`);
      await sleep(ctx.clock, ms, ctx.signal);
      trace.push(`${name}-${Math.round(ctx.clock.now() - base)}`);
      ctx.measure({ name: `${name}_ok`, value: !fail, limits: { equals: true } });
    },
  };
}

async function run(plan: Phase[], extra: { signal?: AbortSignal } = {}) {
  const clock = new VirtualClock();
  const sink = collector();
  const t0 = clock.now();
  base = t0;
  try {
    const record = await runPlan({ slot: 's', rig: 'r', plan, sinks: [sink], clock, ...extra });
    return { record, events: sink.events, tookMs: Math.round(clock.now() - t0), clock };
  } finally {
    clock.stop();
  }
}

describe('concurrent groups', () => {
  test('phaseGroups: runs of consecutive concurrent phases, everything else alone', () => {
    const p = (name: string, concurrent?: boolean): Phase => ({ name, timeoutMs: 1, run: async () => undefined, ...(concurrent ? { concurrent } : {}) });
    const groups = phaseGroups([p('a'), p('b', true), p('c', true), p('d'), p('e', true), p('f')]);
    expect(groups.map((g) => g.map((x) => x.name))).toEqual([['a'], ['b', 'c'], ['d'], ['e'], ['f']]);
    const u = (uses?: string[]): Phase => ({ name: 'x', timeoutMs: 1, run: async () => undefined, ...(uses ? { uses } : {}) });
    expect(conflicts(u(['pad:8']), u(['pad:26']))).toBe(false);
    expect(conflicts(u(['pad:26', 'channel:1']), u(['pad:10', 'pad:26']))).toBe(true);
    expect(conflicts(u(undefined), u([]))).toBe(true); // not saying what it uses = touching everything
    expect(conflicts(u([]), u([]))).toBe(false);
  });

  test('disjoint uses overlap, a shared key keeps plan order, the next plain phase waits for the whole group', async () => {
    const trace: string[] = [];
    const c = (name: string, ms: number, uses: string[], o: Partial<Phase> = {}) => waits(name, ms, trace, { concurrent: true, uses, ...o });
    const { record, events, tookMs } = await run([
      waits('before', 100, trace),
      c('led', 3000, ['pad:8']),
      c('relay', 1000, ['pad:26', 'channel:1']),
      c('button', 1500, ['pad:10', 'pad:26', 'channel:1']),
      c('meter', 2000, ['meter']),
      waits('after', 100, trace),
    ]);
    expect(record.outcome).toBe('PASS');
    // led, relay and meter start together at 100; button after relay; 'after' when the longest (led) ends
    expect(trace).toEqual(
      expect.arrayContaining(['led+100', 'relay+100', 'meter+100', 'relay-1100', 'button+1100', 'button-2600', 'meter-2100', 'led-3100', 'after+3100']),
    );
    expect(trace.indexOf('after+3100')).toBeGreaterThan(trace.indexOf('led-3100'));
    expect(tookMs).toBe(3200);
    // well-formed events: every phase started once, finished once, after its start; the fold matches
    for (const name of ['before', 'led', 'relay', 'button', 'meter', 'after']) {
      const s = events.filter((e) => e.type === 'phase.started' && e.phase === name);
      const f = events.filter((e) => e.type === 'phase.finished' && e.phase === name);
      expect([s.length, f.length]).toEqual([1, 1]);
      expect(f[0]!.seq).toBeGreaterThan(s[0]!.seq);
    }
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(foldEvents(events)).toEqual(record);
    expect(record.phases.find((p) => p.name === 'led')!).toMatchObject({ outcome: 'PASS', durationMs: 3000 });
    expect(record.phases.find((p) => p.name === 'button')!.measurements.map((m) => m.name)).toEqual(['button_ok']);
  });

  test('a plan that does not opt in runs one at a time (uses alone changes nothing)', async () => {
    const trace: string[] = [];
    const { tookMs } = await run([waits('a', 1000, trace, { uses: ['pad:8'] }), waits('b', 1000, trace, { uses: ['pad:26'] })]);
    expect(trace).toEqual(['a+0', 'a-1000', 'b+1000', 'b-2000']);
    expect(tookMs).toBe(2000);
  });

  test('a FAIL in one does not abort the others; a non-independent FAIL skips those not yet started', async () => {
    const trace: string[] = [];
    const c = (name: string, ms: number, uses: string[], o: Partial<Phase> & { fail?: boolean } = {}) =>
      waits(name, ms, trace, { concurrent: true, uses, ...o });
    const { record } = await run([
      c('quick-fail', 500, ['a'], { fail: true }),
      c('long', 2000, ['b']),
      c('after-fail', 100, ['a']), // shares 'a': starts only after quick-fail, which stopped the run
      waits('later', 100, trace),
    ]);
    const o = Object.fromEntries(record.phases.map((p) => [p.name, p.outcome]));
    expect(o).toEqual({ 'quick-fail': 'FAIL', long: 'PASS', 'after-fail': 'SKIP', later: 'SKIP' });
    expect(trace).toContain('long-2000');
    expect(record.outcome).toBe('FAIL');
  });

  test('independent FAILs: every check of the group still runs; requires inside a group waits and judges', async () => {
    const trace: string[] = [];
    const c = (name: string, ms: number, uses: string[], o: Partial<Phase> & { fail?: boolean } = {}) =>
      waits(name, ms, trace, { concurrent: true, independent: true, uses, ...o });
    const { record } = await run([
      c('relay', 500, ['pad:26'], { fail: true }),
      c('meter', 1000, ['meter'], { fail: true }),
      c('button', 100, ['pad:10'], { requires: ['relay'] }), // disjoint uses, but it needs relay's verdict
      c('led', 300, ['pad:8']),
    ]);
    const o = Object.fromEntries(record.phases.map((p) => [p.name, p.outcome]));
    expect(o).toEqual({ relay: 'FAIL', meter: 'FAIL', button: 'SKIP', led: 'PASS' });
    expect(record.phases.find((p) => p.name === 'button')!.skipReason).toMatch(/needs relay to pass \(relay FAIL\)/);
  });

  test('deadlines are per phase; an abort ends every running phase as ABORTED', async () => {
    const trace: string[] = [];
    const timed = await run([
      waits('slow', 5000, trace, { concurrent: true, uses: ['x'], timeoutMs: 1000 }),
      waits('fine', 2000, trace, { concurrent: true, uses: ['y'] }),
    ]);
    const o = Object.fromEntries(timed.record.phases.map((p) => [p.name, p.outcome]));
    expect(o).toEqual({ slow: 'ERROR', fine: 'PASS' });
    expect(timed.record.phases.find((p) => p.name === 'slow')!.error?.code).toBe('E_PHASE_TIMEOUT');

    const ac = new AbortController();
    const clock = new VirtualClock();
    const sink = collector();
    base = clock.now();
    clock.setTimeout(() => ac.abort(), 500);
    try {
      const rec = await runPlan({
        slot: 's',
        rig: 'r',
        sinks: [sink],
        clock,
        signal: ac.signal,
        plan: [
          waits('a', 2000, trace, { concurrent: true, uses: ['x'] }),
          waits('b', 2000, trace, { concurrent: true, uses: ['y'] }),
          waits('c', 2000, trace, { concurrent: true, uses: ['x'] }),
        ],
      });
      expect(Object.fromEntries(rec.phases.map((p) => [p.name, p.outcome]))).toEqual({ a: 'ABORTED', b: 'ABORTED', c: 'SKIP' });
      expect(rec.outcome).toBe('ABORTED');
    } finally {
      clock.stop();
    }
  });

  test('phase(): concurrent and uses pass through; a bad uses is refused', () => {
    const p = phase('led', { concurrent: true, uses: ['pad:8'] }, async () => undefined);
    expect([p.concurrent, p.uses]).toEqual([true, ['pad:8']]);
    expect(() => phase('x', { uses: [''] }, async () => undefined)).toThrow(/uses must be a list of resource keys/);
  });

  test('the default checks of the RMC021: identity alone, then LED, relay, button and meter in one group; only relay and button wait for each other', () => {
    const template = parseTemplate(JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'hardware/devices/rmc021.json'), 'utf8')));
    const plan = buildCheckPhases({ template, options: { configure: true, concurrent: true } });
    expect(phaseGroups(plan).map((g) => g.map((p) => p.name))).toEqual([['configure'], ['identity'], ['wifi-led', 'relay', 'relay-button', 'bl0937']]);
    const by = Object.fromEntries(plan.map((p) => [p.name, p]));
    const pairs = (['wifi-led', 'relay', 'relay-button', 'bl0937'] as const).flatMap((a, i, all) =>
      all.slice(i + 1).map((b) => `${a}/${b}:${conflicts(by[a]!, by[b]!) ? 'serial' : 'overlap'}`),
    );
    expect(pairs).toEqual([
      'wifi-led/relay:overlap',
      'wifi-led/relay-button:overlap',
      'wifi-led/bl0937:overlap',
      'relay/relay-button:serial',
      'relay/bl0937:overlap',
      'relay-button/bl0937:overlap',
    ]);
    expect(by.bl0937!.uses).toEqual(['meter', 'pad:7', 'pad:6', 'pad:24']);
    // not asked (plugrig test): the same uses, one at a time, a FAIL stops the rest
    expect(buildCheckPhases({ template }).some((p) => p.concurrent)).toBe(false);
  });
});
