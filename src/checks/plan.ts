/**
 * The plan for one unit, derived from the template's roles and the rig's fixture lines. A check
 * whose pad has no fixture line (or a line of the wrong kind) becomes a phase that skips with the
 * reason, never a silent pass.
 */
import type { ObkClient } from '../device/obk-client.js';
import { pinsOfKind, type Template, type TemplatePin } from '../device/template.js';
import type { InputLine, OutputLine, PulseOutput } from '../io/types.js';
import type { FixtureLine, Rig } from '../rig/types.js';
import type { Phase } from '../core/run-types.js';
import type { Bl0937Cal, LoadPoint } from './bl0937-math.js';
import { bl0937Phase, type Bl0937Timing, type Bl0937Wiring } from './bl0937.js';
import { hasInstantReaction, relayButtonPhase, type ButtonTiming } from './button.js';
import { calibrationPhase } from './calibration.js';
import { configurePhase } from './configure.js';
import { identityPhase } from './identity.js';
import { relayPhase } from './relay.js';
import { wifiLedPhase, type LedBootRecording, type LedLimits } from './led.js';

export interface CheckPlanOptions {
  /** Apply the template first (configure phase). */
  configure?: boolean;
  /** Production: calibrate at one load and verify at the others, instead of checking default constants. */
  calibrate?: boolean;
  loads?: readonly LoadPoint[];
  /** Constants the firmware uses when not calibrating (default: OpenBeken's). */
  calibration?: Bl0937Cal;
  buttonTiming?: Partial<ButtonTiming>;
  ledLimits?: Partial<LedLimits>;
  /**
   * The Wi-Fi LED pad's edges since boot, for the polarity sub-check (led.ts). A flow that boots
   * the unit (`run`) starts `startLedBootWatch(line)` on the LED's fixture line before releasing
   * CEN and returns it here; without it (`plugrig test`) polarity is recorded UNCHECKED with why.
   */
  ledBootWatch?: (gpio: number) => LedBootRecording | undefined;
  bl0937Timing?: Partial<Bl0937Timing>;
}

export interface CheckPlanInput {
  rig: Pick<Rig, 'fixture' | 'name'>;
  template: Template;
  client: ObkClient;
  options?: CheckPlanOptions;
}

type Want = { pin: TemplatePin; kind: FixtureLine['kind']; what: string };

/** A phase that only skips: the reason is recorded, the unit does not pass by silence. */
export function skipPhase(name: string, reason: string): Phase {
  return { name, timeoutMs: 1000, run: async (ctx) => ctx.skip(reason) };
}

const KIND_TEXT: Record<FixtureLine['kind'], string> = { input: 'an input', output: 'an output', pulse: 'a pulse output' };

/** The fixture lines for the wanted pads, or the reason they cannot be used. */
function lines(rig: CheckPlanInput['rig'], wants: Want[]): { lines: FixtureLine['line'][] } | { reason: string } {
  const out: FixtureLine['line'][] = [];
  const missing: string[] = [];
  for (const w of wants) {
    const f = rig.fixture.get(w.pin.gpio);
    if (!f) missing.push(`P${w.pin.gpio} (${w.what}, ${w.pin.role.name}) is not wired on rig ${rig.name}`);
    else if (f.kind !== w.kind) missing.push(`P${w.pin.gpio} (${w.what}) is wired as ${KIND_TEXT[f.kind]}, the check needs ${KIND_TEXT[w.kind]}`);
    else out.push(f.line);
  }
  return missing.length ? { reason: missing.join('; ') } : { lines: out };
}

export function buildCheckPhases(input: CheckPlanInput): Phase[] {
  const { rig, template: t, client } = input;
  const o = input.options ?? {};
  const phases: Phase[] = [];
  if (o.configure) phases.push(configurePhase({ client, template: t }));
  phases.push(identityPhase({ client, template: t }));

  // Wi-Fi LED
  for (const pin of pinsOfKind(t, 'wifiLed')) {
    const l = lines(rig, [{ pin, kind: 'input', what: 'Wi-Fi LED' }]);
    phases.push(
      'reason' in l
        ? skipPhase('wifi-led', l.reason)
        : wifiLedPhase({
            pin,
            line: l.lines[0] as InputLine,
            client,
            ...(o.ledLimits ? { limits: o.ledLimits } : {}),
            bootWatch: () => o.ledBootWatch?.(pin.gpio),
          }),
    );
  }

  // Relays by command, then each button with a relay on the channel it toggles.
  const buttons = pinsOfKind(t, 'button');
  const relays = pinsOfKind(t, 'relay');
  for (const relay of relays) {
    const name = relays.length > 1 ? `relay-P${relay.gpio}` : 'relay';
    const l = lines(rig, [{ pin: relay, kind: 'input', what: 'relay' }]);
    phases.push(
      'reason' in l ? skipPhase(name, l.reason) : relayPhase({ name, pin: relay, line: l.lines[0] as InputLine, client, indexed: relays.length > 1 }),
    );
  }
  for (const button of buttons) {
    const name = buttons.length > 1 ? `relay-button-P${button.gpio}` : 'relay-button';
    const relay = relays.find((r) => r.channel === button.channel);
    if (!relay) {
      phases.push(skipPhase(name, `button P${button.gpio} toggles channel ${button.channel}, which no relay in the template follows`));
      continue;
    }
    const l = lines(rig, [
      { pin: button, kind: 'output', what: 'button' },
      { pin: relay, kind: 'input', what: 'relay' },
    ]);
    phases.push(
      'reason' in l
        ? skipPhase(name, l.reason)
        : relayButtonPhase({
            name,
            button: { pin: button, line: l.lines[0] as OutputLine },
            relay: { pin: relay, line: l.lines[1] as InputLine },
            client,
            instantReaction: hasInstantReaction(t.flags),
            ...(o.buttonTiming ? { timing: o.buttonTiming } : {}),
          }),
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
      phases.push(skipPhase(meterName, `the template has no ${absent} pin, so OpenBeken never starts the BL0937 driver`));
    } else {
      const l = lines(rig, [
        { pin: cf, kind: 'pulse', what: 'BL0937 CF' },
        { pin: cf1, kind: 'pulse', what: 'BL0937 CF1' },
        { pin: sel, kind: 'input', what: 'BL0937 SEL' },
      ]);
      if ('reason' in l) phases.push(skipPhase(meterName, l.reason));
      else {
        const wiring: Bl0937Wiring = {
          cf: { pin: cf, line: l.lines[0] as PulseOutput },
          cf1: { pin: cf1, line: l.lines[1] as PulseOutput },
          sel: { pin: sel, line: l.lines[2] as InputLine },
        };
        const common = { wiring, client, ...(o.loads ? { loads: o.loads } : {}), ...(o.bl0937Timing ? { timing: o.bl0937Timing } : {}) };
        phases.push(o.calibrate ? calibrationPhase(common) : bl0937Phase({ ...common, ...(o.calibration ? { calibration: o.calibration } : {}) }));
      }
    }
  }
  return phases;
}
