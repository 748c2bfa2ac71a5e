/**
 * Endurance: 200 button presses, each toggling the relay, none missed, and no reboot on the way.
 *
 *   plugrig run --plan examples/endurance.ts --virtual-time
 */
import { definePlan, phase } from 'plugrig';
import { relayOn, wiring } from './relay-pad.js';

const PRESSES = 200;

const endurance = phase(
  'endurance',
  {
    timeoutMs: 30 * 60_000,
    requires: ['relay'],
    measurements: {
      missed_toggles: { equals: 0 },
      reboots: { equals: 0 },
      presses: { equals: PRESSES },
    },
  },
  async (t) => {
    const w = await wiring(t);
    if (w.buttonPad === undefined) t.skip('the template has no button');
    const uptimeBefore = (await t.device.info({ signal: t.signal })).uptimeS;
    let missed = 0;
    let done = 0;
    let state = await relayOn(t, w);
    for (let i = 0; i < PRESSES; i++) {
      // A single click: held 200 ms, then released long enough not to merge into a double click.
      await t.fixture.press(w.buttonPad!, 200, { signal: t.signal });
      const want = !state !== w.inverted ? 1 : 0; // the pad level of the toggled state
      const edge = await t.fixture.waitFor(w.relayPad, want, { timeoutMs: 1500, signal: t.signal });
      await t.sleep(300);
      const now = await relayOn(t, w);
      if (!edge || now === state) missed++;
      state = now;
      done++;
      if (i % 20 === 19) t.progress({ done, total: PRESSES, unit: 'steps', label: 'presses' });
    }
    const uptimeAfter = (await t.device.info({ signal: t.signal })).uptimeS;
    t.measure('presses', done);
    t.measure('missed_toggles', missed);
    // Uptime only grows while the firmware keeps running; a drop is a reboot.
    t.measure('reboots', uptimeAfter < uptimeBefore ? 1 : 0, { note: `uptime ${uptimeBefore} s → ${uptimeAfter} s` });
  },
);

export default definePlan({
  name: 'endurance',
  phases: [{ phase: endurance, after: 'relay-button' }],
});
