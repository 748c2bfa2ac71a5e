import { parseArgs } from 'node:util';
import { PlugrigError } from '../core/errors.js';
import type { Command, ParsedCommandArgs } from './command.js';

/** Parses argv for one command; every mistake becomes a PlugrigError naming the bad argument. */
export function parseCommandArgs(cmd: Command, argv: string[]): ParsedCommandArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: cmd.options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e);
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
