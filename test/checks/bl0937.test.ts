import { describe, test, expect } from '@jest/globals';
import { bl0937Phase } from '../../src/checks/bl0937.js';
import { calibrationPhase } from '../../src/checks/calibration.js';
import { OBK_DEFAULT_CAL, type Bl0937Cal } from '../../src/checks/bl0937-math.js';
import type { VirtualClock } from '../../src/core/virtual-clock.js';
import { ObkClient } from '../../src/device/obk-client.js';
import { parseTemplate } from '../../src/device/template.js';
import type { FakeObk } from '../device/fake-obk.js';
import { useFakeObk } from '../device/fake-obk-fixture.js';
import { FakePulse, fakeContext, inputLine, rigResources, Wire } from './fakes.js';

type MeterFault = 'none' | 'sel-inverted' | 'cal-off' | 'driver-stopped' | 'cal-ignored';

/**
 * A scripted metering firmware: SEL flips every `windowMs`; at each flip the window that ended is
 * counted from the frequency the rig put on CF1/CF (as whole pulses of a nominal 1 s window, with
 * a random phase) and turned into readings with the firmware's constants. VoltageSet & co divide
 * the real value by the last raw count, as OpenBeken does.
 */
function scriptedMeter(fake: FakeObk, cf: FakePulse, cf1: FakePulse, sel: Wire, fault: MeterFault, windowMs = 120, publish = true) {
  const cal: Bl0937Cal =
    fault === 'cal-off'
      ? { voltage: OBK_DEFAULT_CAL.voltage * 1.05, current: OBK_DEFAULT_CAL.current * 1.05, power: OBK_DEFAULT_CAL.power * 1.05 }
      : { ...OBK_DEFAULT_CAL };
  const raw = { v: 0, i: 0, p: 0 };
  let seed = 12345;
  const phase = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const e = { voltage: 0, current: 0, power: 0 };
  fake.state.energy = publish ? e : undefined;
  fake.onCommand = (c) => {
    const [word, arg] = c.split(' ');
    const x = Number(arg);
    if (fault === 'cal-ignored') return undefined;
    if (word === 'VoltageSet') cal.voltage = x / raw.v;
    else if (word === 'CurrentSet') cal.current = x / raw.i;
    else if (word === 'PowerSet') cal.power = x / raw.p;
    else return undefined;
    return '{}';
  };
  const clock = fake.clock;
  const timer = clock.setInterval(() => {
    if (fault === 'driver-stopped') return;
    const selHigh = sel.level() === 1;
    const voltageWindow = selHigh !== (fault === 'sel-inverted');
    const n = Math.floor(cf1.hz + phase());
    if (voltageWindow) {
      raw.v = n;
      e.voltage = n * cal.voltage;
    } else {
      raw.i = n;
      e.current = n * cal.current;
    }
    raw.p = Math.floor(cf.hz + phase());
    e.power = raw.p * cal.power;
    sel.setPeer(selHigh ? 0 : 'z');
  }, windowMs);
  return () => clock.clearInterval(timer);
}

const t = parseTemplate({ pins: { '6': 'BL0937CF1;0', '7': 'BL0937CF;0', '24': 'BL0937SEL;0' } });
const pin = (g: number) => t.pins.find((p) => p.gpio === g)!;

describe('BL0937 phases against a scripted meter (virtual time shared by the meter, the lines and the phase)', () => {
  let clock: VirtualClock;
  let fake: FakeObk;
  let cf: FakePulse;
  let cf1: FakePulse;
  let sel: Wire;
  useFakeObk((c, f) => {
    [clock, fake] = [c, f];
    cf = new FakePulse('P7', 0, c);
    cf1 = new FakePulse('P6', 0, c);
    sel = new Wire('P24', c);
  });

  const wiring = () => ({ cf: pin(7), cf1: pin(6), sel: pin(24) });
  const client = () => new ObkClient({ url: fake.url, timeoutMs: 1000, retries: 1, clock });
  /** The meter is t.fixture.meter: the rig's resources over these three lines, as the profile wires them. */
  const context = () =>
    fakeContext(
      undefined,
      'bl0937',
      clock,
      rigResources({
        client: client(),
        clock,
        template: t,
        fixture: [
          [7, { kind: 'pulse', pad: 7, line: cf }],
          [6, { kind: 'pulse', pad: 6, line: cf1 }],
          [24, { kind: 'input', pad: 24, line: inputLine(sel) }],
        ],
      }),
    );

  /** Runs the check (or the calibration) against the scripted meter; the meter stops afterwards. */
  async function runCheck(fault: MeterFault, { phase = bl0937Phase, publish = true } = {}) {
    const stop = scriptedMeter(fake, cf, cf1, sel, fault, 120, publish);
    const ctx = context();
    try {
      await phase({ wiring: wiring(), timing: { settleTimeoutMs: 1500 } }).run(ctx);
    } finally {
      stop();
    }
    return ctx;
  }

  test('healthy meter: every quantity at all three load points is within one pulse; the pulses stop afterwards', async () => {
    const ctx = await runCheck('none');
    expect(ctx.failed()).toEqual([]);
    const names = ctx.measurements.map((m) => m.name);
    for (const label of ['230V/0.5A/115W', '230V/8A/1840W', '120V/0.05A/6W']) {
      for (const q of ['voltage', 'current', 'power']) expect(names).toContain(`${q}_error@${label}`);
    }
    expect(ctx.get('sel_follow_worst')!.verdict).toBe('PASS');
    expect(ctx.get('voltage_error@230V/0.5A/115W')!.limits).toMatchObject({ high: expect.any(Number) });
    expect(Math.abs(ctx.get('voltage_error@230V/0.5A/115W')!.value as number)).toBeLessThanOrEqual(0.14);
    expect(cf.hz).toBe(0);
    expect(cf1.hz).toBe(0);
    // CF1 followed SEL: while SEL was high the rig played the voltage frequency.
    expect(cf1.history.some((h) => Math.abs(h.hz - 230 / OBK_DEFAULT_CAL.voltage) < 1e-6)).toBe(true);
    expect(cf1.history.some((h) => Math.abs(h.hz - 0.5 / OBK_DEFAULT_CAL.current) < 1e-6)).toBe(true);
  }, 20_000);

  test('SEL attributed the wrong way round fails voltage and current, not power', async () => {
    const ctx = await runCheck('sel-inverted');
    const failed = new Set(ctx.failed().map((m) => m.name.split('@')[0]));
    expect(failed).toEqual(new Set(['voltage_error', 'current_error']));
    expect(ctx.get('voltage_error@230V/0.5A/115W')!.note).toMatch(/^read 5\.\d+ V for 230 V/);
  }, 20_000);

  test('constants 5 % off the defaults fail every quantity with the error in the value', async () => {
    const ctx = await runCheck('cal-off');
    const v = ctx.get('voltage_error@230V/0.5A/115W')!;
    expect(v.verdict).toBe('FAIL');
    expect(v.value as number).toBeGreaterThan(10);
    expect(v.value as number).toBeLessThan(13);
    expect(ctx.get('power_error@230V/8A/1840W')!.verdict).toBe('FAIL');
  }, 20_000);

  test('a driver that never toggles SEL is reported as such, and nothing is left pulsing', async () => {
    const ctx = await runCheck('driver-stopped');
    const m = ctx.get('sel_edges@230V/0.5A/115W')!;
    expect(m.verdict).toBe('FAIL');
    expect(m.note).toContain('BL0937 driver is not running');
    expect(cf.hz).toBe(0);
  }, 10_000);

  test('no ENERGY in STATUS 8 is reported as such', async () => {
    // The meter toggles SEL, but the HTTP side publishes no ENERGY block.
    const ctx = await runCheck('none', { publish: false });
    expect(ctx.get('energy_reported@230V/0.5A/115W')).toMatchObject({ value: false, verdict: 'FAIL' });
  }, 10_000);

  test('calibration: set at 8 A, verified at the other points; the chip constants are 5 % off the defaults', async () => {
    const ctx = await runCheck('none', { phase: calibrationPhase });
    expect(fake.commands).toEqual(expect.arrayContaining(['VoltageSet 230', 'CurrentSet 8', 'PowerSet 1840']));
    expect(ctx.failed()).toEqual([]);
    expect(ctx.get('current_error@120V/0.05A/6W')!.verdict).toBe('PASS');
    expect(ctx.get('current_error@230V/8A/1840W')).toBeUndefined(); // the reference point is not its own verification
  }, 20_000);

  test('calibration commands that change nothing fail the verification', async () => {
    const ctx = await runCheck('cal-ignored', { phase: calibrationPhase });
    expect(ctx.get('voltage_error@120V/0.05A/6W')!.verdict).toBe('FAIL');
    expect(ctx.get('power_error@230V/0.5A/115W')!.verdict).toBe('FAIL');
  }, 20_000);
});
