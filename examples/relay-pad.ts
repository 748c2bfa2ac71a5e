/**
 * Shared by the examples: where the device's relay and button are, read from the unit itself
 * (/api/pins), so the plans work with any template that has a `Rel` and a `Btn`.
 */
import type { DevicePins, PlanContext } from 'plugrig';

export interface Wiring {
  /** Module pad of the relay (its logical state = the pad's level for Rel, inverted for Rel_n). */
  relayPad: number;
  /** The channel the relay follows (SetStartValue takes it). */
  channel: number;
  inverted: boolean;
  /** Module pad of the button, when the template has one. */
  buttonPad?: number;
}

const ROLE_NAMES = ['', 'Rel', 'Rel_n', 'Btn', 'Btn_n'];

function roleName(pins: DevicePins, pad: number): string {
  const r = pins.roles[pad] ?? 0;
  return pins.roleNames?.[r] ?? ROLE_NAMES[r] ?? '';
}

export async function wiring(t: PlanContext): Promise<Wiring> {
  const pins = await t.device.pins({ signal: t.signal });
  const relayPad = pins.roles.findIndex((_, pad) => roleName(pins, pad) === 'Rel' || roleName(pins, pad) === 'Rel_n');
  if (relayPad < 0) throw new Error('the device has no relay pin (role Rel or Rel_n) in its template');
  const buttonPad = pins.roles.findIndex((_, pad) => roleName(pins, pad).startsWith('Btn'));
  return {
    relayPad,
    channel: pins.channels[relayPad] ?? 0,
    inverted: roleName(pins, relayPad) === 'Rel_n',
    ...(buttonPad >= 0 ? { buttonPad } : {}),
  };
}

/** The relay's state as the fixture sees its pad (not as the firmware reports it). */
export async function relayOn(t: PlanContext, w: Wiring): Promise<boolean> {
  const level = await t.fixture.level(w.relayPad);
  return (level === 1) !== w.inverted;
}

/** Waits until the device answers HTTP again after a reset or power cycle. */
export async function waitForBoot(t: PlanContext, timeoutMs = 20_000): Promise<void> {
  const until = t.clock.now() + timeoutMs;
  for (let i = 0; i < 200 && t.clock.now() < until; i++) {
    try {
      await t.device.info({ signal: t.signal, retries: 0, timeoutMs: 1000 });
      return;
    } catch {
      await t.sleep(250);
    }
  }
  throw new Error(`the device did not answer within ${timeoutMs} ms after the power cycle`);
}
