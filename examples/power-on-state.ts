/**
 * PowerOnState: after a power cycle the relay comes up as its channel's start value says:
 * 0 = off, 1 = on, -1 = as it was before the power went (OpenBeken's `SetStartValue`).
 *
 *   plugrig run --plan examples/power-on-state.ts --virtual-time
 */
import { definePlan, phase } from 'plugrig';
import { relayOn, waitForBoot, wiring } from './relay-pad.js';

const cases = [
  { startValue: 0, before: true, expected: false },
  { startValue: 1, before: false, expected: true },
  { startValue: -1, before: true, expected: true },
  { startValue: -1, before: false, expected: false },
];

const powerOnState = phase(
  'power-on-state',
  {
    timeoutMs: 180_000,
    measurements: Object.fromEntries(cases.map((c, i) => [`case${i + 1}`, { equals: true, note: `start value ${c.startValue}` }])),
  },
  async (t) => {
    const w = await wiring(t);
    for (const [i, c] of cases.entries()) {
      await t.device.cmnd(`SetStartValue ${w.channel} ${c.startValue}`, { signal: t.signal });
      await t.device.cmnd(`SetChannel ${w.channel} ${c.before ? 1 : 0}`, { signal: t.signal });
      // OpenBeken counts a reset within 5 s of boot as a failed boot; let this one settle first.
      await t.sleep(6000);
      await t.power.cycle({ signal: t.signal });
      await waitForBoot(t);
      const on = await relayOn(t, w);
      t.note(`start value ${c.startValue}, relay ${c.before ? 'on' : 'off'} before: ${on ? 'on' : 'off'} after the power cycle`);
      t.measure(`case${i + 1}`, on === c.expected, { note: `start value ${c.startValue}: expected ${c.expected ? 'on' : 'off'}, got ${on ? 'on' : 'off'}` });
    }
    await t.device.cmnd(`SetStartValue ${w.channel} 0`, { signal: t.signal });
  },
);

export default definePlan({
  name: 'PowerOnState',
  phases: [{ phase: powerOnState, after: 'relay' }],
});
