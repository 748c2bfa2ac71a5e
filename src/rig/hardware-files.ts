/**
 * What the rig validation needs from the module pad map and the device profile, read directly from
 * their JSON: which pads exist, which carry UART1 or are module outputs, and which GPIOs the
 * template makes outputs of the module (the fixture must never drive those).
 */
import { PlugrigError } from '../core/errors.js';

export interface PadFacts {
  gpio: number;
  signal: string;
  functions: string[];
  uart?: string;
  /** The module drives this pad (TX) or it is a strap the host must never drive. */
  hostMustNotDrive?: string;
}

export interface ModuleFacts {
  name: string;
  pads: Map<number, PadFacts>;
  uart1Pads: number[];
}

/** OpenBeken roles that make a GPIO an output of the module. */
export const MODULE_OUTPUT_ROLES = new Set([
  'Rel',
  'Rel_n',
  'LED',
  'LED_n',
  'WifiLED',
  'WifiLED_n',
  'BL0937SEL',
  'BL0937SEL_n',
  'PWM',
  'PWM_n',
  'AlwaysHigh',
  'AlwaysLow',
]);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function moduleFacts(json: unknown, source: string): ModuleFacts {
  const bad = (what: string) => new PlugrigError('E_RIG_INVALID', `${source}: ${what}`, 'use a module pad map like hardware/modules/cb2s.json');
  if (!isObj(json) || !Array.isArray(json.pads)) throw bad('expected an object with a "pads" array');
  const pads = new Map<number, PadFacts>();
  json.pads.forEach((p: unknown, i: number) => {
    if (!isObj(p)) throw bad(`pads[${i}] is not an object`);
    if (typeof p.gpio !== 'number') return; // supply, ground, CEN
    const functions = Array.isArray(p.functions) ? p.functions.map(String) : [];
    const tx = functions.find((f) => /^TX\d$/.test(f));
    const noDrive = p.hostMayDrive === false ? String(p.note ?? 'a strap pin') : tx ? `it is ${tx}, driven by the module` : undefined;
    pads.set(p.gpio, {
      gpio: p.gpio,
      signal: String(p.signal ?? `P${p.gpio}`),
      functions,
      uart: typeof p.uart === 'string' ? p.uart : undefined,
      hostMustNotDrive: noDrive,
    });
  });
  const uart1Pads = [...pads.values()]
    .filter((p) => p.uart === 'UART1')
    .map((p) => p.gpio)
    .sort((a, b) => a - b);
  return { name: String(json.module ?? source), pads, uart1Pads };
}

/** GPIO → role for every pin the template makes an output of the module. */
export function deviceOutputPins(json: unknown, source: string): Map<number, string> {
  if (!isObj(json) || !isObj(json.pins)) {
    throw new PlugrigError(
      'E_RIG_INVALID',
      `${source}: expected an OpenBeken template with a "pins" object`,
      'point "device" at a template like hardware/devices/rmc021.json',
    );
  }
  const out = new Map<number, string>();
  for (const [gpio, value] of Object.entries(json.pins)) {
    const role = String(value).split(';')[0]!.trim();
    if (MODULE_OUTPUT_ROLES.has(role)) out.set(Number(gpio), role);
  }
  return out;
}
