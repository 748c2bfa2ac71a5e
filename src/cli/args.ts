import { parseArgs } from 'node:util';
import { PlugrigError } from '../core/errors.js';
import type { Command, ParsedCommandArgs } from './command.js';
import { optionHelp } from './option-help.js';
import { closest } from './suggest.js';

/**
 * Unknown options are found here, before node:util sees them, so the message can offer the closest
 * known one; node's own wording never reaches the user.
 */
function checkOptionNames(cmd: Command, argv: string[]): string[] {
  const out: string[] = [];
  const names = Object.keys(cmd.options);
  const shorts = new Map(Object.entries(cmd.options).flatMap(([n, o]) => (o.short ? [[o.short, n] as const] : [])));
  const help = `see 'plugrig ${cmd.name} --help'`;
  for (let i = 0; i < argv.length; i++) {
    const start = i;
    const a = argv[i]!;
    if (a === '--') return [...out, ...argv.slice(i)];
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0]!;
      const spec = cmd.options[name];
      if (!spec) {
        const near = closest(name, names);
        throw new PlugrigError('E_USAGE', `${cmd.name}: unknown option --${name}`, near ? `did you mean --${near}? ${help}` : help);
      }
      if (spec.type === 'string' && !a.includes('=')) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw new PlugrigError('E_USAGE', `${cmd.name}: --${name} needs a value`, `${optionLine(cmd, name)}; ${help}`);
        }
        // "--offset -5": node would call the value ambiguous; joined, the validator judges it.
        out.push(`--${name}=${next}`);
        i++;
        continue;
      } else if (spec.type === 'boolean' && a.includes('=')) {
        throw new PlugrigError('E_USAGE', `${cmd.name}: --${name} takes no value`, `write --${name} alone; ${help}`);
      }
    } else if (/^-[^-\d]/.test(a)) {
      for (const c of a.slice(1)) {
        const long = shorts.get(c);
        if (!long) {
          const near = closest(a.slice(1), names);
          throw new PlugrigError('E_USAGE', `${cmd.name}: unknown option -${c}`, near ? `did you mean --${near}? ${help}` : help);
        }
        if (cmd.options[long]!.type === 'string') {
          i++;
          break;
        }
      }
    }
    out.push(...argv.slice(start, i + 1));
  }
  return out;
}

function optionLine(cmd: Command, name: string): string {
  const h = optionHelp(cmd.name, name);
  return h ? `--${name}: ${h.text}${h.default ? ` (default ${h.default})` : ''}` : `--${name} <value>`;
}

/** Parses argv for one command; every mistake becomes a PlugrigError naming the bad argument. */
export function parseCommandArgs(cmd: Command, argv: string[]): ParsedCommandArgs {
  const args = checkOptionNames(cmd, argv);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: cmd.options, allowPositionals: true, strict: true });
  } catch (e) {
    // Not expected after checkOptionNames; node's text is still reduced to its first sentence.
    const msg = e instanceof Error ? e.message.split(/\.\s/)[0]! : String(e);
    throw new PlugrigError('E_USAGE', `${cmd.name}: ${msg}`, `see 'plugrig ${cmd.name} --help'`);
  }
  const [min, max] = cmd.positionals ?? [0, 0];
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new PlugrigError(
      'E_USAGE',
      `${cmd.name}: expected ${want} argument(s), got ${n}${n ? ` (${parsed.positionals.join(' ')})` : ''}`,
      `usage: ${cmd.usage}`,
    );
  }
  return { values: parsed.values as ParsedCommandArgs['values'], positionals: parsed.positionals };
}

/** Reads a numeric option: decimal, 0x hex, or with a k/M suffix for rates ("921600", "2M", "0x11000"). */
export function numberOption(args: ParsedCommandArgs, name: string, fallback: number, opts: { min?: number; max?: number } = {}): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string') throw new PlugrigError('E_USAGE', `--${name} needs a value`);
  const value = parseNumber(raw);
  if (value === undefined) {
    throw new PlugrigError('E_USAGE', `--${name} ${raw} is not a number`, 'use decimal, 0x-hex, or a k/M suffix (e.g. 2M)');
  }
  if ((opts.min !== undefined && value < opts.min) || (opts.max !== undefined && value > opts.max)) {
    throw new PlugrigError('E_USAGE', `--${name} ${raw} is out of range`, `allowed ${opts.min ?? '-∞'}..${opts.max ?? '+∞'}`);
  }
  return value;
}

/**
 * The rates plugrig offers after the link: the ones the downloaders that talk to this ROM use
 * (docs/bk7231n-download-protocol.md §6.4, §11.2). Which the ROM refuses is not published, so an
 * arbitrary number is refused here rather than failing later as a missing echo.
 */
export const ROM_BAUD_RATES = [115200, 230400, 460800, 921600, 1500000, 2000000, 3000000] as const;
export const DEFAULT_BAUD = 921600;

/** --baud: one of ROM_BAUD_RATES (decimal, or 1.5M / 2M / 921.6k). */
export function baudOption(args: ParsedCommandArgs): number {
  const rate = numberOption(args, 'baud', DEFAULT_BAUD, { min: 1 });
  if (!(ROM_BAUD_RATES as readonly number[]).includes(rate)) {
    throw new PlugrigError(
      'E_USAGE',
      `--baud ${String(args.values.baud)} is not a rate plugrig uses with the BK7231N ROM`,
      `use one of ${ROM_BAUD_RATES.join(', ')} (921600 is the safe choice for cheap adapters)`,
    );
  }
  return rate;
}

export function parseNumber(raw: string): number | undefined {
  const s = raw.trim();
  let m = /^0x([0-9a-f]+)$/i.exec(s);
  if (m) return parseInt(m[1]!, 16);
  m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s);
  if (!m) return undefined;
  const mult = m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1e6;
  const v = Number(m[1]) * mult;
  return Number.isSafeInteger(Math.round(v)) ? Math.round(v * 1e6) / 1e6 : undefined;
}

export function stringOption(args: ParsedCommandArgs, name: string): string | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new PlugrigError('E_USAGE', `--${name} needs a value`);
  return raw;
}

export function stringList(args: ParsedCommandArgs, name: string): string[] {
  const raw = args.values[name];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

export function flag(args: ParsedCommandArgs, name: string): boolean {
  return args.values[name] === true;
}
