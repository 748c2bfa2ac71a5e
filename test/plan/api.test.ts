import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { Phase, RunEvent } from '../../src/core/run-types.js';
import { applyPlan, definePlan, phase } from '../../src/plan/index.js';
import { runPlan } from '../../src/run/runner.js';

async function run(plan: Phase[]) {
  const events: RunEvent[] = [];
  const record = await runPlan({ slot: 's', rig: 'none', plan, sinks: [{ handle: (e) => void events.push(e) }], clock: new VirtualClock() });
  return { record, events };
}

describe('phase(): declared measurements', () => {
  it('judges a measurement against its declared limits and unit', async () => {
    const p = phase('latency', { measurements: { power_on_ms: { low: 0, high: 500, unit: 'ms' } } }, async (t) => {
      t.measure('power_on_ms', 620);
    });
    const { record } = await run([p]);
    const m = record.phases[0]!.measurements[0]!;
    expect(m).toMatchObject({ name: 'power_on_ms', value: 620, unit: 'ms', limits: { low: 0, high: 500 }, verdict: 'FAIL' });
    expect(record.outcome).toBe('FAIL');
  });

  it('records a declared measurement the phase never set as FAIL "not measured", naming it', async () => {
    const p = phase('half-done', { measurements: { set_one: { equals: true }, forgot_this: { low: 1 } } }, async (t) => {
      t.measure('set_one', true);
    });
    const { record } = await run([p]);
    const ms = record.phases[0]!.measurements;
    expect(ms.map((m) => [m.name, m.verdict])).toEqual([
      ['set_one', 'PASS'],
      ['forgot_this', 'FAIL'],
    ]);
    expect(ms[1]!.note).toBe('not measured: the phase never set it');
    expect(record.phases[0]!.outcome).toBe('FAIL');
  });

  it('a phase that throws FAILs with the thrown message, and its unset measurements say why', async () => {
    const p = phase('relay-after-cycle', { measurements: { relay_level: { equals: 1 } } }, async () => {
      throw new Error('relay stayed off after the power cycle');
    });
    const { record, events } = await run([p]);
    const finished = events.find((e) => e.type === 'phase.finished');
    expect(finished).toMatchObject({ outcome: 'FAIL', error: { code: 'E_PHASE_FAILED', message: 'relay stayed off after the power cycle' } });
    expect(record.phases[0]!.measurements[0]).toMatchObject({ name: 'relay_level', verdict: 'FAIL', note: 'not measured: the phase failed before setting it' });
    expect(record.outcome).toBe('FAIL');
  });

  it('a skip passes through untouched and declares nothing missing', async () => {
    const p = phase('needs-meter', { measurements: { watts: { low: 1 } } }, async (t) => t.skip('no meter on this rig'));
    const { record } = await run([p]);
    expect(record.phases[0]).toMatchObject({ outcome: 'SKIP', skipReason: 'no meter on this rig', measurements: [] });
  });

  it('waits on the run clock and can be retried', async () => {
    let attempts = 0;
    const p = phase('flaky', { retries: 2, measurements: { ok: { equals: true } } }, async (t) => {
      attempts++;
      await t.sleep(10_000);
      t.measure('ok', attempts === 2);
    });
    const { record } = await run([p]);
    expect(attempts).toBe(2);
    expect(record.phases[0]).toMatchObject({ outcome: 'PASS', attempts: 2 });
  });

  it('a phase without a rig behind it is told which resource is missing', async () => {
    const p = phase('asks-device', async (t) => {
      await t.device.info();
    });
    const { events } = await run([p]);
    expect(events.find((e) => e.type === 'phase.finished')).toMatchObject({
      outcome: 'FAIL',
      error: { message: expect.stringMatching(/E_NO_RESOURCE: run on none has no device/) },
    });
  });

  it.each([
    [() => phase('Bad Name', async () => {}), /a phase needs a name/],
    [() => phase('x', { timeoutMs: -1 }, async () => {}), /timeoutMs must be a positive number/],
    [() => phase('x', { measurements: { m: { low: 5, high: 1 } } }, async () => {}), /low 5 is above high 1/],
    [() => phase('x', {} as never), /the last argument must be the phase function/],
  ])('refuses a bad phase definition with a message naming it (%#)', (make, message) => {
    expect(make).toThrow(message);
  });
});

describe('definePlan() and applyPlan()', () => {
  const named = (name: string): Phase => ({ name, timeoutMs: 1000, run: async () => {} });
  const base = ['link', 'flash', 'identity', 'relay', 'bl0937'].map(named);
  const names = (plan: Phase[]) => plan.map((p) => p.name);

  it('adds before, after, at the start and at the end; drops and replaces by name', () => {
    const mine = named('bl0937-mine');
    const def = definePlan({
      phases: [
        named('last'),
        { phase: named('pre'), at: 'start' },
        { phase: named('power-on-state'), after: 'relay' },
        { phase: named('warm-up'), before: 'identity' },
      ],
      drop: ['flash'],
      replace: { bl0937: mine },
    });
    const plan = applyPlan(base, def);
    expect(names(plan)).toEqual(['pre', 'link', 'warm-up', 'identity', 'relay', 'power-on-state', 'bl0937-mine', 'last']);
    expect(plan[6]).toBe(mine);
  });

  it("extends: 'none' runs only the file's phases", () => {
    expect(names(applyPlan(base, definePlan({ extends: 'none', phases: [named('a'), named('b')] })))).toEqual(['a', 'b']);
  });

  it('a misspelt phase name is an error with the nearest name and the list', () => {
    const def = definePlan({ phases: [{ phase: named('x'), after: 'realy' }] });
    def.source = 'my-plan.ts';
    expect(() => applyPlan(base, def)).toThrow(/my-plan.ts: after: no phase named "realy" in the plan/);
    try {
      applyPlan(base, def);
    } catch (e) {
      expect((e as { hint: string }).hint).toMatch(/^did you mean "relay"\? the phases are: link, flash, identity, relay, bl0937$/);
    }
  });

  it('refuses two phases of one name, unknown keys and misplaced options', () => {
    expect(() => applyPlan(base, definePlan({ phases: [named('relay')] }))).toThrow(/two phases are named "relay"/);
    expect(() => definePlan({ phase: [] } as never)).toThrow(/unknown key "phase"/);
    expect(() => definePlan({ phases: [{ phase: named('x'), before: 'a', after: 'b' } as never] })).toThrow(/give one of before, after or at/);
    expect(() => definePlan({ extends: 'none', drop: ['relay'] })).toThrow(/drop and replace need extends: 'default'/);
    expect(() => definePlan({ phases: [{ name: 'x' } as never] })).toThrow(/phases\[0\] is not a phase/);
  });
});

describe('errors from another copy of plugrig', () => {
  it('are still typed errors: a plan phase that hits one FAILs with its code, never "crashed"', async () => {
    // What a plan file loading its own plugrig throws: same brand, different class.
    const other = Object.assign(new Error('run on sim has no device (OpenBeken HTTP API)'), { code: 'E_NO_RESOURCE', hint: 'wire it' });
    Object.defineProperty(other, Symbol.for('plugrig.error'), { value: true });
    const p = phase('uses-device', async () => {
      throw other;
    });
    const { events } = await run([p]);
    expect(events.find((e) => e.type === 'phase.finished')).toMatchObject({
      outcome: 'FAIL',
      error: { code: 'E_PHASE_FAILED', message: 'E_NO_RESOURCE: run on sim has no device (OpenBeken HTTP API)', hint: 'wire it' },
    });
  });
});
