/**
 * OpenBeken device templates (the JSON people share, hardware/devices/*.json): parse, validate,
 * and check against the module's pads. Every problem names its key, e.g.
 * `pins."27": role "Relay" is not an OpenBeken role — did you mean "Rel"?`.
 */
import { PlugrigError } from '../core/errors.js';
import { readJsonFile, type JsonFileKind } from '../core/json-file.js';
import type { ModulePads } from './module-pads.js';
import { roleByName, suggestRole, type PinRole, type RoleKind } from './roles.js';

export interface TemplatePin {
  gpio: number;
  role: PinRole;
  /** Linked channel (the first number after the role). */
  channel: number;
  /** Second channel (buttons: toggled on a double-click), when given. */
  channel2?: number;
}

export interface Template {
  source: string;
  name?: string;
  model?: string;
  board?: string;
  chip?: string;
  /** The 64-bit generic flags, when the template sets them. */
  flags?: bigint;
  /** Short startup command (run at every normal boot). */
  command?: string;
  /** Sorted by GPIO. */
  pins: TemplatePin[];
}

/** OpenBeken's channel table has 64 entries (CHANNEL_MAX). */
const MAX_CHANNEL = 63;
/** BK7231N has GPIO 0..31; the module narrows this further. */
const MAX_GPIO = 31;
const MAX_FLAGS = (1n << 64n) - 1n;

function invalid(source: string, problems: string[]): PlugrigError {
  const shown = problems.slice(0, 6).join('; ') + (problems.length > 6 ? `; and ${problems.length - 6} more` : '');
  return new PlugrigError(
    'E_TEMPLATE_INVALID',
    `${source}: ${shown}`,
    'fix the template (pins are "<gpio>": "<Role>;<channel>[;<channel2>]", flags a decimal string)',
  );
}

function parseFlags(raw: unknown, problems: string[]): bigint | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'number' ? (Number.isSafeInteger(raw) ? String(raw) : '') : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+$/.test(text)) {
    problems.push(`flags: ${JSON.stringify(raw)} is not a decimal number`);
    return undefined;
  }
  const v = BigInt(text);
  if (v > MAX_FLAGS) {
    problems.push(`flags: ${text} does not fit in 64 bits`);
    return undefined;
  }
  return v;
}

function parseChannel(key: string, text: string | undefined, which: string, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n > MAX_CHANNEL) {
    problems.push(`pins."${key}": ${which} "${text}" is not a channel number 0..${MAX_CHANNEL}`);
    return undefined;
  }
  return n;
}

function parsePin(key: string, value: unknown, problems: string[]): TemplatePin | undefined {
  const before = problems.length;
  const gpio = /^\d+$/.test(key) ? Number(key) : NaN;
  if (!Number.isInteger(gpio) || gpio > MAX_GPIO) problems.push(`pins."${key}": the key must be a GPIO number 0..${MAX_GPIO}`);
  if (typeof value !== 'string') {
    problems.push(`pins."${key}": expected a string "<Role>;<channel>[;<channel2>]", got ${JSON.stringify(value)}`);
    return undefined;
  }
  const fields = value.split(';');
  if (fields.length < 1 || fields.length > 3 || !fields[0]!.trim()) {
    problems.push(`pins."${key}": "${value}" is not "<Role>;<channel>[;<channel2>]"`);
    return undefined;
  }
  const roleName = fields[0]!.trim();
  const role = roleByName(roleName);
  if (!role) {
    const hint = suggestRole(roleName);
    problems.push(`pins."${key}": role "${roleName}" is not an OpenBeken role${hint ? ` — did you mean "${hint}"?` : ''}`);
  }
  const channel = parseChannel(key, fields[1] ?? '0', 'channel', problems);
  const channel2 = parseChannel(key, fields[2], 'channel2', problems);
  if (problems.length > before || !role || channel === undefined) return undefined;
  return { gpio, role, channel, ...(channel2 !== undefined ? { channel2 } : {}) };
}

const optString = (o: Record<string, unknown>, k: string, problems: string[]): string | undefined => {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    problems.push(`${k}: expected a string, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
};

/** Pure: parses and validates a template object. Throws E_TEMPLATE_INVALID listing every problem. */
export function parseTemplate(json: unknown, source = 'template'): Template {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw invalid(source, ['expected a JSON object']);
  const o = json as Record<string, unknown>;
  const problems: string[] = [];
  const pins: TemplatePin[] = [];
  if (!o.pins || typeof o.pins !== 'object' || Array.isArray(o.pins)) {
    problems.push('pins: expected an object {"<gpio>": "<Role>;<channel>"}');
  } else {
    for (const [key, value] of Object.entries(o.pins as Record<string, unknown>)) {
      const pin = parsePin(key, value, problems);
      if (pin && pin.role.kind !== 'none') pins.push(pin);
    }
  }
  const flags = parseFlags(o.flags, problems);
  const command = optString(o, 'command', problems);
  if (command !== undefined && /["\r\n]/.test(command)) {
    problems.push('command: must be one line without double quotes (it is sent as StartupCommand "<text>")');
  }
  const t: Template = { source, pins: pins.sort((a, b) => a.gpio - b.gpio) };
  for (const k of ['name', 'model', 'board', 'chip'] as const) {
    const v = optString(o, k, problems);
    if (v !== undefined) t[k] = v;
  }
  if (flags !== undefined) t.flags = flags;
  if (command !== undefined) t.command = command;
  checkRoleCounts(t, problems);
  if (problems.length) throw invalid(source, problems);
  return t;
}

/** A BL0937 needs exactly one CF, one CF1 and one SEL; two of them would confuse the driver and the fixture. */
function checkRoleCounts(t: Template, problems: string[]): void {
  for (const kind of ['bl0937Sel', 'bl0937Cf', 'bl0937Cf1', 'wifiLed'] as RoleKind[]) {
    const found = t.pins.filter((p) => p.role.kind === kind);
    if (found.length > 1) {
      problems.push(`pins: ${found.map((p) => `"${p.gpio}"`).join(' and ')} both have a ${found[0]!.role.name} role; only one is allowed`);
    }
  }
}

/** Refuses a template naming GPIOs the module does not bring out to a pad. */
export function checkTemplateAgainstModule(t: Template, pads: ModulePads): void {
  const problems: string[] = [];
  const available = [...pads.gpios]
    .sort((a, b) => a - b)
    .map((g) => `P${g}`)
    .join(', ');
  for (const pin of t.pins) {
    if (!pads.gpios.has(pin.gpio)) {
      problems.push(`pins."${pin.gpio}": P${pin.gpio} is not a pad of ${pads.module} (it has ${available})`);
    }
  }
  if (t.chip && pads.chip && t.chip.toUpperCase() !== pads.chip.toUpperCase()) {
    problems.push(`chip: template says ${t.chip} but ${pads.module} carries ${pads.chip}`);
  }
  if (problems.length) throw invalid(t.source, problems);
}

const TEMPLATE_FILE: JsonFileKind = {
  what: 'template',
  code: 'E_TEMPLATE_INVALID',
  missingCode: 'E_TEMPLATE_NOT_FOUND',
  missingHint: 'pass --device <path to an OpenBeken template JSON>, e.g. hardware/devices/rmc021.json',
};

export async function loadTemplateFile(file: string): Promise<Template> {
  return parseTemplate(await readJsonFile(file, TEMPLATE_FILE), file);
}

export function pinsOfKind(t: Template, kind: RoleKind): TemplatePin[] {
  return t.pins.filter((p) => p.role.kind === kind);
}

/** "Btn;1" / "Btn;1;2" — the template spelling of a pin. */
export function formatPin(p: Pick<TemplatePin, 'role' | 'channel' | 'channel2'>): string {
  return `${p.role.name};${p.channel}${p.channel2 !== undefined ? `;${p.channel2}` : ''}`;
}
