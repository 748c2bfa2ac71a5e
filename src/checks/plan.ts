/**
 * The default checks for one unit, derived from the device profile's roles: a plan a user could
 * have written with phase() — each check uses only the PlanContext (t.device, t.fixture, …). A
 * check whose pad the rig does not wire skips with the reason: decided at run time from
 * t.fixture.has(pad), or at build time when the rig's wiring (pad → line kind) is given, which also
 * catches a line of the wrong kind.
 */
import type { Phase } from '../core/run-types.js';
import { pinsOfKind, type Template, type TemplatePin } from '../device/template.js';
import { phase } from '../plan/phase.js';
import type { PlanPhase } from '../plan/types.js';
import type { Bl0937Cal, LoadPoint } from './bl0937-math.js';
import { bl0937Phase, type Bl0937Timing, type Bl0937Wiring } from './bl0937.js';
import { hasInstantReaction, relayButtonPhase, type ButtonTiming } from './button.js';
import { calibrationPhase } from './calibration.js';
import { configurePhase } from './configure.js';
import { identityPhase } from './identity.js';
import { provisionPhase } from './provision.js';
import type { Provisioning } from '../device/provisioning.js';
import { relayPhase } from './relay.js';
import { wifiLedPhase, type LedBootRecording, type LedLimits } from './led.js';

export interface CheckPlanOptions {
  /** Apply the template first (configure phase). */
  configure?: boolean;
  /**
   * Restart after configuring (default true). False when the plan resets the unit right after
   * (the unit plan's reboot phase does, at a safe uptime): one boot and one safe-mode wait fewer.
   */
  configureRestart?: boolean;
  /**
   * Let the fixture checks overlap where their lines allow (runner: concurrent groups). Off by
   * default, so a FAIL stops the checks after it (`plugrig test`); the unit plan turns it on, where
   * the checks after identity are independent anyway.
   */
  concurrent?: boolean;
  /** Production: calibrate at one load and verify at the others, instead of checking default constants. */
  calibrate?: boolean;
  loads?: readonly LoadPoint[];
  /** Constants the firmware uses when not calibrating (default: OpenBeken's). */
  calibration?: Bl0937Cal;
  buttonTiming?: Partial<ButtonTiming>;
  ledLimits?: Partial<LedLimits>;
  /**
   * The Wi-Fi LED pad's edges since boot, for the polarity sub-check (led.ts). A flow that resets
   * the unit with the LED recorded (the reboot phase, checks/reboot-watch.ts) returns it here;
   * without it (`plugrig test`) polarity is recorded UNCHECKED with why.
   */
  ledBootWatch?: (gpio: number) => LedBootRecording | undefined;
  bl0937Timing?: Partial<Bl0937Timing>;
  /**
   * Provision the unit last (checks/provision.ts): after the checks that need the open AP, since
   * the values take the unit onto the customer's network at its next boot.
   */
  provision?: Provisioning;
}

/** Line kinds as a rig file wires them (Rig.fixture gives this shape). */
export type PadKind = 'input' | 'output' | 'pulse';

export interface CheckPlanInput {
  template: Template;
  options?: CheckPlanOptions;
  /** The rig's wiring, when known at build time: skips are then decided here, wrong line kinds included. */
  rig?: { name: string; fixture: ReadonlyMap<number, { kind: PadKind }> };
}

type Want = { pin: TemplatePin; kind: PadKind; what: string };

/** A phase that only skips: the reason is recorded, the unit does not pass by silence. */
export function skipPhase(name: string, reason: string): PlanPhase {
  return phase(name, { timeoutMs: 1000 }, async (t) => t.skip(reason));
}

const KIND_TEXT: Record<PadKind, string> = { input: 'an input', output: 'an output', pulse: 'a pulse output' };

/** Why the given wiring cannot serve the wanted pads, or undefined (also when the wiring is not known yet). */
function unwired(rig: CheckPlanInput['rig'], wants: Want[]): string | undefined {
  if (!rig) return undefined;
  const missing: string[] = [];
  for (const w of wants) {
    const f = rig.fixture.get(w.pin.gpio);
    if (!f) missing.push(`P${w.pin.gpio} (${w.what}, ${w.pin.role.name}) is not wired on rig ${rig.name}`);
    else if (f.kind !== w.kind) missing.push(`P${w.pin.gpio} (${w.what}) is wired as ${KIND_TEXT[f.kind]}, the check needs ${KIND_TEXT[w.kind]}`);
  }
  return missing.length ? missing.join('; ') : undefined;
}

const pad = (p: TemplatePin) => `pad:${p.gpio}`;
/** A relay channel's state on the device (POWER): the relay check and the button both toggle it. */
const channel = (p: TemplatePin) => `channel:${p.channel}`;

/**
 * Says what a fixture check touches, so that it may overlap the others (runner: concurrent groups;
 * buildCheckPhases marks them `concurrent` when asked). They are independent functions of the
 * unit on separate lines: the LED blinks on its own tick, the meter's windows are driven by the
 * rig, the relay follows POWER; only checks sharing a line or a channel (the relay and its
 * button) wait for each other. HTTP reads of the device are no shared resource: OpenBeken serves
 * them one by one, a few ms each.
 */
function overlap(p: Phase, uses: string[]): Phase {
  p.uses = uses;
  return p;
}

export function buildCheckPhases(input: CheckPlanInput): Phase[] {
  const { rig, template: t } = input;
  const o = input.options ?? {};
  const phases: Phase[] = [];
  if (o.configure) phases.push(configurePhase({ template: t, ...(o.configureRestart === false ? { restart: false } : {}) }));
  phases.push(identityPhase({ template: t }));

  // Wi-Fi LED
  for (const pin of pinsOfKind(t, 'wifiLed')) {
    const why = unwired(rig, [{ pin, kind: 'input', what: 'Wi-Fi LED' }]);
    phases.push(
      overlap(
        why ? skipPhase('wifi-led', why) : wifiLedPhase({ pin, ...(o.ledLimits ? { limits: o.ledLimits } : {}), bootWatch: () => o.ledBootWatch?.(pin.gpio) }),
        [pad(pin)],
      ),
    );
  }

  // Relays by command, then each button with a relay on the channel it toggles.
  const buttons = pinsOfKind(t, 'button');
  const relays = pinsOfKind(t, 'relay');
  for (const relay of relays) {
    const name = relays.length > 1 ? `relay-P${relay.gpio}` : 'relay';
    const why = unwired(rig, [{ pin: relay, kind: 'input', what: 'relay' }]);
    phases.push(overlap(why ? skipPhase(name, why) : relayPhase({ name, pin: relay, indexed: relays.length > 1 }), [pad(relay), channel(relay)]));
  }
  for (const button of buttons) {
    const name = buttons.length > 1 ? `relay-button-P${button.gpio}` : 'relay-button';
    const relay = relays.find((r) => r.channel === button.channel);
    if (!relay) {
      phases.push(overlap(skipPhase(name, `button P${button.gpio} toggles channel ${button.channel}, which no relay in the template follows`), []));
      continue;
    }
    const why = unwired(rig, [
      { pin: button, kind: 'output', what: 'button' },
      { pin: relay, kind: 'input', what: 'relay' },
    ]);
    phases.push(
      overlap(
        why
          ? skipPhase(name, why)
          : relayButtonPhase({
              name,
              button,
              relay,
              instantReaction: hasInstantReaction(t.flags),
              ...(o.buttonTiming ? { timing: o.buttonTiming } : {}),
            }),
        [pad(button), pad(relay), channel(relay)],
      ),
    );
  }

  // BL0937: all three roles, or none.
  const cf = pinsOfKind(t, 'bl0937Cf')[0];
  const cf1 = pinsOfKind(t, 'bl0937Cf1')[0];
  const sel = pinsOfKind(t, 'bl0937Sel')[0];
  const meterName = o.calibrate ? 'calibrate' : 'bl0937';
  if (cf || cf1 || sel) {
    if (!cf || !cf1 || !sel) {
      const absent = [!cf && 'BL0937CF', !cf1 && 'BL0937CF1', !sel && 'BL0937SEL'].filter(Boolean).join(', ');
      phases.push(overlap(skipPhase(meterName, `the template has no ${absent} pin, so OpenBeken never starts the BL0937 driver`), []));
    } else {
      const why = unwired(rig, [
        { pin: cf, kind: 'pulse', what: 'BL0937 CF' },
        { pin: cf1, kind: 'pulse', what: 'BL0937 CF1' },
        { pin: sel, kind: 'input', what: 'BL0937 SEL' },
      ]);
      // The meter's lines, and (calibrating) the device's saved constants. With flag 38 the firmware
      // zeroes P and I while every relay is open: then the readings depend on the relays too.
      const relayBound = t.flags !== undefined && ((t.flags >> 38n) & 1n) === 1n;
      const uses = ['meter', pad(cf), pad(cf1), pad(sel), ...(o.calibrate ? ['device:config'] : []), ...(relayBound ? relays.map((r) => channel(r)) : [])];
      if (why) phases.push(overlap(skipPhase(meterName, why), []));
      else {
        const wiring: Bl0937Wiring = { cf, cf1, sel };
        const common = { wiring, ...(o.loads ? { loads: o.loads } : {}), ...(o.bl0937Timing ? { timing: o.bl0937Timing } : {}) };
        phases.push(
          overlap(o.calibrate ? calibrationPhase(common) : bl0937Phase({ ...common, ...(o.calibration ? { calibration: o.calibration } : {}) }), uses),
        );
      }
    }
  }
  if (o.concurrent) for (const p of phases) if (p.uses) p.concurrent = true;
  if (o.provision) phases.push(provisionPhase({ provisioning: o.provision }));
  return phases;
}
