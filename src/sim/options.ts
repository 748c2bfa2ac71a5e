/**
 * The `sim` object of a rig file, checked field by field; every error names its JSON path
 * (e.g. `sim.timing: expected "fast" or "realistic"`).
 */
import { PlugrigError } from '../core/errors.js';
import { parseFault, type SimFaults } from './faults.js';
import type { SimModuleOptions } from './module.js';
import { REALISTIC_TIMING, type TimingModel } from './timing.js';
import { parseObkSimFaults, type ObkSimFaultSpec } from './firmware/index.js';

function fail(path: string, what: string): never {
  throw new PlugrigError('E_RIG_CONFIG', `${path}: ${what}`, `see the sim options: ${Object.keys(FIELDS).join(', ')}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Accepts a number or a "0x…" string. */
function intField(v: unknown, path: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    fail(path, `expected an integer ${min}..${max} (number or "0x…" string), got ${JSON.stringify(v)}`);
  }
  return n;
}

function timingField(v: unknown, path: string): SimModuleOptions['timing'] {
  if (v === 'fast' || v === 'realistic') return v;
  if (!isObject(v)) fail(path, `expected "fast" or "realistic" (or an object of timing fields), got ${JSON.stringify(v)}`);
  const out: Partial<TimingModel> = {};
  for (const [k, val] of Object.entries(v)) {
    if (!(k in REALISTIC_TIMING)) fail(`${path}.${k}`, `unknown timing field (known: ${Object.keys(REALISTIC_TIMING).join(', ')})`);
    const key = k as keyof TimingModel;
    if (key === 'wire') {
      if (typeof val !== 'boolean') fail(`${path}.${k}`, 'expected true or false');
      out.wire = val;
    } else {
      if (typeof val !== 'number' || !(val >= 0)) fail(`${path}.${k}`, `expected a number ≥ 0, got ${JSON.stringify(val)}`);
      (out as Record<string, number>)[key] = val;
    }
  }
  return out;
}

function faultsField(v: unknown, path: string): SimFaults {
  if (!Array.isArray(v)) fail(path, `expected an array of fault names like ["drop:0.01", "silent"], got ${JSON.stringify(v)}`);
  const out: SimFaults = {};
  v.forEach((item, i) => {
    if (typeof item !== 'string') fail(`${path}[${i}]`, 'expected a string');
    try {
      Object.assign(out, parseFault(item));
    } catch (e) {
      if (e instanceof PlugrigError) fail(`${path}[${i}]`, e.message);
      throw e;
    }
  });
  return out;
}

/** One parser per field of the `sim` object; a field not listed here is an error. */
const FIELDS: { [K in keyof SimModuleOptions]: (v: unknown, p: string) => SimModuleOptions[K] } = {
  timing: timingField,
  downloadWindowMs: (v, p) => (v === 'hold' ? Number.POSITIVE_INFINITY : intField(v, p, 0, 600_000)),
  chipId: (v, p) => intField(v, p, 0, 0xffffffff),
  flashId: (v, p) => {
    if (typeof v === 'string' && /^[0-9a-f]{6}$/i.test(v.replace(/\s/g, ''))) {
      const b = Buffer.from(v.replace(/\s/g, ''), 'hex');
      return [b[0]!, b[1]!, b[2]!];
    }
    if (Array.isArray(v) && v.length === 3) {
      return [intField(v[0], `${p}[0]`, 0, 255), intField(v[1], `${p}[1]`, 0, 255), intField(v[2], `${p}[2]`, 0x10, 0x18)];
    }
    fail(p, `expected 3 JEDEC bytes like "EB6015" or [235, 96, 21], got ${JSON.stringify(v)}`);
  },
  initialSr: (v, p) => intField(v, p, 0, 0xffff),
  protection: (v, p) => {
    if (v !== 'coarse' && v !== 'cmp-bp0') fail(p, `expected "coarse" or "cmp-bp0", got ${JSON.stringify(v)}`);
    return v;
  },
  mac: (v, p) => {
    if (typeof v !== 'string' || !/^[0-9a-f]{12}$/i.test(v.replace(/[:-]/g, ''))) fail(p, `expected 12 hex digits (colons allowed), got ${JSON.stringify(v)}`);
    return v.replace(/[:-]/g, '').toUpperCase();
  },
  factoryImage: (v, p) => {
    if (typeof v !== 'boolean') fail(p, 'expected true or false');
    return v;
  },
  faults: faultsField,
  seed: (v, p) => intField(v, p, 0, 0xffffffff),
  path: (v, p) => {
    if (typeof v !== 'string' || v.length === 0) fail(p, 'expected a non-empty string like "sim:slot0"');
    return v;
  },
  rxBufferBytes: (v, p) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : intField(v, p, 1, 1 << 20)),
  firmwareFaults: (v, p) => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(p, 'expected a list of fault names, e.g. ["relay-stuck"]');
    try {
      parseObkSimFaults(v as ObkSimFaultSpec[]);
    } catch (e) {
      fail(p, (e as Error).message);
    }
    return v as string[];
  },
  flashFile: (v, p) => {
    if (typeof v !== 'string' || v.trim() === '') fail(p, 'expected a file path (in a rig file, relative paths are under $PLUGRIG_HOME)');
    return v;
  },
  frameTimeoutMs: (v, p) => intField(v, p, 1, 10_000),
};

export function parseSimOptions(json: unknown, jsonPath: string): SimModuleOptions {
  if (json === undefined) return {};
  if (!isObject(json)) fail(jsonPath, `expected an object, got ${JSON.stringify(json)}`);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(json)) {
    const p = `${jsonPath}.${key}`;
    const parse = Object.hasOwn(FIELDS, key) ? FIELDS[key as keyof SimModuleOptions] : undefined;
    if (!parse) fail(p, 'unknown field');
    out[key] = parse(v, p);
  }
  return out as SimModuleOptions;
}
