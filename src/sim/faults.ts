/**
 * Faults the simulated module can be told to have (docs/bk7231n-download-protocol.md §12, §14.3). All are off by default;
 * random ones draw from the module's seeded generator so a failing run can be replayed.
 */
import { PlugrigError } from '../core/errors.js';

export interface SimFaults {
  /** Probability that a byte on the wire (either direction) is lost. */
  dropRate?: number;
  /** Probability that a byte on the wire (either direction) arrives with a flipped bit. */
  corruptRate?: number;
  /** The ROM never answers (dead chip, or RX1/TX1 not connected). */
  silent?: boolean;
  /** The port vanishes (USB adapter unplugged) after the host has written this many bytes. */
  vanishAfterHostBytes?: number;
  /** The Nth flash erase command (1 = first) browns the chip out: the erase is lost, the chip resets. */
  brownoutOnErase?: number;
  /** Status-register writes are acknowledged but never change the register. */
  stuckProtection?: boolean;
}

export const FAULT_NAMES = ['drop', 'corrupt', 'silent', 'vanish', 'brownout', 'stuck-protect'] as const;

const badFault = (text: string, why: string) =>
  new PlugrigError(
    'E_SIM_FAULT',
    `bad fault '${text}': ${why}`,
    `faults: drop[:rate], corrupt[:rate], silent, vanish[:afterBytes], brownout[:nthErase], stuck-protect`,
  );

function numberArg(text: string, arg: string | undefined, dflt: number, check: (n: number) => boolean, want: string): number {
  if (arg === undefined || arg === '') return dflt;
  const n = Number(arg);
  if (!Number.isFinite(n) || !check(n)) throw badFault(text, `expected ${want}, got '${arg}'`);
  return n;
}

/** Parses one `--fault` value, e.g. `drop:0.01`, `vanish:20000`, `brownout:2`, `silent`. */
export function parseFault(text: string): SimFaults {
  const [name, arg, ...extra] = text.trim().split(':');
  if (extra.length > 0) throw badFault(text, 'too many ":" parts');
  const rate = (d: number) => numberArg(text, arg, d, (n) => n >= 0 && n <= 1, 'a probability 0..1');
  const count = (d: number) => numberArg(text, arg, d, (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1');
  const noArg = () => {
    if (arg !== undefined) throw badFault(text, 'takes no argument');
  };
  switch (name) {
    case 'drop':
      return { dropRate: rate(0.001) };
    case 'corrupt':
      return { corruptRate: rate(0.001) };
    case 'silent':
      noArg();
      return { silent: true };
    case 'vanish':
      return { vanishAfterHostBytes: count(20_000) };
    case 'brownout':
      return { brownoutOnErase: count(1) };
    case 'stuck-protect':
      noArg();
      return { stuckProtection: true };
    default:
      throw badFault(text, `unknown fault name '${name}'`);
  }
}

/** Merges several parsed faults (later ones win). */
export function parseFaults(texts: readonly string[]): SimFaults {
  return Object.assign({}, ...texts.map(parseFault)) as SimFaults;
}
