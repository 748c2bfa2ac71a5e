/**
 * A module's pad map (hardware/modules/<board>.json): which BK7231N GPIOs come out on a pad, so a
 * template naming a GPIO the module does not bring out is refused before anything is applied.
 */
import path from 'node:path';
import { PlugrigError } from '../core/errors.js';
import { readJsonFile, type JsonFileKind } from '../core/json-file.js';
import { PACKAGE_ROOT } from '../core/package-root.js';

export interface ModulePad {
  /** The pad label on the module ("5", "TTX2"). */
  pad: string;
  /** Its signal name ("P10", "VCC"). */
  signal: string;
  gpio?: number;
  uart?: string;
  note?: string;
}

export interface ModulePads {
  module: string;
  chip: string;
  source: string;
  pads: ModulePad[];
  /** GPIO numbers that reach a pad. */
  gpios: ReadonlySet<number>;
  /** Pad label of a GPIO, e.g. 10 → "5". */
  padOf(gpio: number): string | undefined;
}

/** hardware/ beside src/ in the repository (also in an installed package). */
export const DEFAULT_HARDWARE_DIR = path.join(PACKAGE_ROOT, 'hardware');

function bad(source: string, what: string): PlugrigError {
  return new PlugrigError('E_MODULE_INVALID', `${source}: ${what}`, 'fix the module pad map (see hardware/modules/cb2s.json)');
}

/** Pure: validates a parsed module pad-map JSON. */
export function parseModulePads(json: unknown, source = 'module'): ModulePads {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw bad(source, 'expected a JSON object');
  const o = json as Record<string, unknown>;
  if (typeof o.module !== 'string' || !o.module) throw bad(source, '"module" must be a non-empty string');
  if (!Array.isArray(o.pads)) throw bad(source, '"pads" must be an array');
  const pads: ModulePad[] = o.pads.map((p, i) => {
    if (!p || typeof p !== 'object') throw bad(source, `pads[${i}] must be an object`);
    const r = p as Record<string, unknown>;
    if (typeof r.pad !== 'string' || typeof r.signal !== 'string') {
      throw bad(source, `pads[${i}] needs string "pad" and "signal"`);
    }
    if (r.gpio !== undefined && (!Number.isInteger(r.gpio) || (r.gpio as number) < 0)) {
      throw bad(source, `pads[${i}].gpio must be a non-negative integer`);
    }
    return {
      pad: r.pad,
      signal: r.signal,
      ...(typeof r.gpio === 'number' ? { gpio: r.gpio } : {}),
      ...(typeof r.uart === 'string' ? { uart: r.uart } : {}),
      ...(typeof r.note === 'string' ? { note: r.note } : {}),
    };
  });
  const byGpio = new Map<number, string>();
  for (const p of pads) if (p.gpio !== undefined) byGpio.set(p.gpio, p.pad);
  return {
    module: o.module,
    chip: typeof o.chip === 'string' ? o.chip : 'BK7231N',
    source,
    pads,
    gpios: new Set(byGpio.keys()),
    padOf: (gpio) => byGpio.get(gpio),
  };
}

const MODULE_PADS_FILE: JsonFileKind = {
  what: 'module pad map',
  code: 'E_MODULE_INVALID',
  missingCode: 'E_MODULE_NOT_FOUND',
  missingHint: 'check the path, or add hardware/modules/<board>.json for this module',
};

export async function loadModulePads(file: string): Promise<ModulePads> {
  return parseModulePads(await readJsonFile(file, MODULE_PADS_FILE), file);
}

/** The pad map for a template's "board" (e.g. "CB2S" → hardware/modules/cb2s.json). */
export async function modulePadsForBoard(board: string, hardwareDir = DEFAULT_HARDWARE_DIR): Promise<ModulePads> {
  if (!/^[A-Za-z0-9_-]+$/.test(board)) {
    throw new PlugrigError('E_MODULE_NOT_FOUND', `board "${board}" is not a module name`, 'use a name like "CB2S"');
  }
  return loadModulePads(path.join(hardwareDir, 'modules', `${board.toLowerCase()}.json`));
}
