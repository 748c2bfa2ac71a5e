/**
 * Console command text as OpenBeken reads it: a command word, then arguments separated by
 * spaces, double quotes grouping words into one argument where the command allows quotes;
 * `backlog a; b; c` runs a ;-separated list. Pure string handling, no device state.
 */
export interface CommandLine {
  /** Command word as typed (matching is case-insensitive). */
  name: string;
  /** Everything after the command word and its spaces (the firmware's "args" string). */
  rest: string;
}

export function splitCommand(line: string): CommandLine {
  const t = line.trim();
  const m = /^(\S+)\s*(.*)$/s.exec(t);
  return m ? { name: m[1]!, rest: m[2]! } : { name: '', rest: '' };
}

/** Arguments split on spaces; with quotes allowed, "a b" is one argument without its quotes. */
export function tokenize(rest: string, allowQuotes = true): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < rest.length) {
    while (i < rest.length && /\s/.test(rest[i]!)) i++;
    if (i >= rest.length) break;
    if (allowQuotes && rest[i] === '"') {
      const end = rest.indexOf('"', i + 1);
      const stop = end < 0 ? rest.length : end;
      out.push(rest.slice(i + 1, stop));
      i = stop + 1;
    } else {
      let j = i;
      while (j < rest.length && !/\s/.test(rest[j]!)) j++;
      out.push(rest.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** The items of a backlog, trimmed, empty ones dropped. */
export function splitBacklog(rest: string): string[] {
  return rest
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** C atoi: leading integer or 0. */
export function atoi(s: string | undefined): number {
  const m = /^\s*([+-]?\d+)/.exec(s ?? '');
  return m ? parseInt(m[1]!, 10) : 0;
}

/** C atof: leading decimal number or 0. */
export function atof(s: string | undefined): number {
  const m = /^\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(s ?? '');
  return m ? parseFloat(m[1]!) : 0;
}

/** Tasmota-style power argument: ON / OFF / 1 / 0 / a number. */
export function parsePowerArgument(arg: string): number {
  const a = arg.trim().toLowerCase();
  if (a === 'on') return 1;
  if (a === 'off') return 0;
  return atoi(a);
}
