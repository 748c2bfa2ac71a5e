import { describe, test, expect } from '@jest/globals';
import { relayButtonPhase, type ButtonTiming } from '../../src/checks/button.js';
import type { VirtualClock } from '../../src/core/virtual-clock.js';
import { ObkClient } from '../../src/device/obk-client.js';
import { parseTemplate } from '../../src/device/template.js';
import type { FakeObk } from '../device/fake-obk.js';
import { useFakeObk } from '../device/fake-obk-fixture.js';
import type { InputLine } from '../../src/io/types.js';
import { fakeContext, inputLine, outputLine, rigResources, Wire } from './fakes.js';

type Fault = 'none' | 'relay-stuck' | 'button-ignored' | 'long-press-toggles' | 'slow-relay';

/**
 * A scripted plug: a press of 75..1000 ms, once released, toggles channel 1 about 400 ms later
 * (debounce + click window) and the relay wire follows; longer presses do nothing.
 */
function scriptedPlug(fake: FakeObk, button: Wire, relay: Wire, fault: Fault) {
  const clock = fake.clock;
  let pressedAt = 0;
  const presses: number[] = [];
  relay.setPeer(fake.state.relay ? 'z' : 0);
  const timers = new Set<unknown>();
  const off = button.onEdge((e) => {
    if (e.level === 0) {
      pressedAt = clock.now();
      return;
    }
    const held = clock.now() - pressedAt;
    presses.push(held);
    const click = held >= 75 && held < 1000;
    if (fault === 'button-ignored' || (!click && fault !== 'long-press-toggles')) return;
    const t = clock.setTimeout(
      () => {
        timers.delete(t);
        fake.state.relay = !fake.state.relay;
        if (fault !== 'relay-stuck') relay.setPeer(fake.state.relay ? 'z' : 0);
      },
      fault === 'slow-relay' ? 900 : 400,
    );
    timers.add(t);
  });
  return {
    presses,
    stop: () => {
      off();
      for (const x of timers) clock.clearTimeout(x);
    },
  };
}

const t = parseTemplate({ pins: { '10': 'Btn;1', '26': 'Rel;1' }, flags: '1024' });
const [btnPin, relPin] = [t.pins[0]!, t.pins[1]!];

describe('relay/button phase against a scripted plug (virtual time: the plug, the lines and the phase share one clock)', () => {
  let clock: VirtualClock;
  let fake: FakeObk;
  let button: Wire;
  let relay: Wire;
  useFakeObk((c, f) => {
    [clock, fake] = [c, f];
    button = new Wire('P10', c);
    relay = new Wire('P26', c);
  });

  /** The rig's fixture (button output on P10, relay input on P26) through the real resources, on the shared clock. */
  const resources = (client: ObkClient, relayLine: InputLine) =>
    rigResources({
      client,
      clock,
      template: t,
      fixture: [
        [10, { kind: 'output', pad: 10, line: outputLine(button) }],
        [26, { kind: 'input', pad: 26, line: relayLine }],
      ],
    });

  async function run(fault: Fault, timing: Partial<ButtonTiming> = {}) {
    const plug = scriptedPlug(fake, button, relay, fault);
    let firstPressUptimeMs: number | undefined;
    const off = button.onEdge((e) => {
      if (e.level === 0 && firstPressUptimeMs === undefined) firstPressUptimeMs = clock.wallNow() - fake.state.bootedAt;
    });
    const relayLine = inputLine(relay);
    const client = new ObkClient({ url: fake.url, timeoutMs: 1000, retries: 1, clock });
    const ctx = fakeContext(undefined, 'relay-button', clock, resources(client, relayLine));
    const phase = relayButtonPhase({ button: btnPin, relay: relPin, timing });
    try {
      await phase.run(ctx);
    } finally {
      plug.stop();
      off();
    }
    return { ctx, plug, relayLine, firstPressUptimeMs };
  }

  test('healthy plug: two short presses toggle both ways with POWER agreeing, the long press does not toggle', async () => {
    // Booted 1 s ago: no press may come before the minimum uptime (a double-click in the first 5 s erases Wi-Fi).
    fake.state.bootedAt = clock.wallNow() - 1000;
    const { ctx, plug, relayLine, firstPressUptimeMs } = await run('none', { minUptimeS: 3 });
    expect(firstPressUptimeMs).toBeGreaterThanOrEqual(3000);
    expect(ctx.failed()).toEqual([]);
    for (const n of [1, 2]) {
      const lat = ctx.get(`short_press_${n}_latency`)!;
      expect(lat.verdict).toBe('PASS');
      expect(lat.value as number).toBeGreaterThanOrEqual(390);
      expect(lat.value as number).toBeLessThan(550);
    }
    expect(ctx.get('short_press_1_power')!.value).toBe('ON');
    expect(ctx.get('short_press_2_power')!.value).toBe('OFF');
    expect(ctx.get('long_press_toggled')).toMatchObject({ value: false, verdict: 'PASS' });
    // Hazards: presses within the single-click window, never left pressed, no watch left behind.
    expect(plug.presses).toHaveLength(3);
    expect(plug.presses[0]).toBeGreaterThanOrEqual(150);
    expect(plug.presses[0]).toBeLessThanOrEqual(800);
    expect(plug.presses[2]).toBeGreaterThan(1000);
    expect(button.host).toBe('z');
    expect(relayLine.watchers).toBe(0);
  }, 20_000);

  test('relay stuck: the first press fails, and POWER shows the firmware did toggle', async () => {
    const { ctx } = await run('relay-stuck');
    expect(ctx.get('short_press_1_latency')).toMatchObject({ value: null, verdict: 'FAIL' });
    expect(ctx.get('short_press_1_power')!.note).toContain('relay P26 did not follow');
    expect(ctx.get('short_press_2_latency')).toBeUndefined();
  }, 20_000);

  test('button ignored: fails with a note that the firmware did not see the click', async () => {
    const { ctx } = await run('button-ignored');
    expect(ctx.get('short_press_1_latency')!.verdict).toBe('FAIL');
    expect(ctx.get('short_press_1_power')!.note).toContain('did not see the click');
  }, 20_000);

  test('a relay that answers 900 ms after the release fails on latency', async () => {
    const { ctx } = await run('slow-relay');
    const lat = ctx.get('short_press_1_latency')!;
    expect(lat.verdict).toBe('FAIL');
    expect(lat.value as number).toBeGreaterThan(850);
  }, 20_000);

  test('a long press that toggles fails only the long-press measurement', async () => {
    const { ctx } = await run('long-press-toggles', { clickSpacingMs: 450, longPressMs: 1100, quietWatchMs: 500 });
    expect(ctx.failed().map((m) => m.name)).toEqual(['long_press_toggled']);
    expect(ctx.get('long_press_toggled')!.note).toContain('changed');
  }, 20_000);

  test('abort during the phase ends it with E_ABORTED and releases the button', async () => {
    scriptedPlug(fake, button, relay, 'none');
    const ac = new AbortController();
    const phase = relayButtonPhase({ button: btnPin, relay: relPin });
    const client = new ObkClient({ url: fake.url, timeoutMs: 1000, clock });
    clock.setTimeout(() => ac.abort(), 900); // during the first press
    await expect(phase.run(fakeContext(ac.signal, 'relay-button', clock, resources(client, inputLine(relay))))).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(button.host).toBe('z');
  }, 10_000);
});
