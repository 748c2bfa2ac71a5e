/**
 * The `sim` object of a rig file, checked field by field; every error names its JSON path
 * (e.g. `sim.timing: expected "fast" or "realistic"`).
 */
import { PlugrigError } from '../core/errors.js';
import { parseFault, type SimFaults } from './faults.js';
import type { SimModuleOptions } from './module.js';
import { REALISTIC_TIMING, type TimingModel } from './timing.js';
import { parseObkSimFaults, type ObkSimFaultSpec } from './firmware/index.js';

const HINT =
  'see the sim options: timing, downloadWindowMs, chipId, flashId, initialSr, protection, mac, factoryImage, faults, seed, rxBufferBytes, flashFile, firmwareFaults';

function fail(path: string, what: string): never {
  throw new PlugrigError('E_RIG_CONFIG', `${path}: ${what}`, HINT);
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

export function parseSimOptions(json: unknown, jsonPath: string): SimModuleOptions {
  if (json === undefined) return {};
  if (!isObject(json)) fail(jsonPath, `expected an object, got ${JSON.stringify(json)}`);
  const out: SimModuleOptions = {};
  for (const [key, v] of Object.entries(json)) {
    const p = `${jsonPath}.${key}`;
    switch (key) {
      case 'timing':
        out.timing = timingField(v, p);
        break;
      case 'downloadWindowMs':
        if (v === 'hold') out.downloadWindowMs = Number.POSITIVE_INFINITY;
        else out.downloadWindowMs = intField(v, p, 0, 600_000);
        break;
      case 'chipId':
        out.chipId = intField(v, p, 0, 0xffffffff);
        break;
      case 'flashId': {
        if (typeof v === 'string' && /^[0-9a-f]{6}$/i.test(v.replace(/\s/g, ''))) {
          const b = Buffer.from(v.replace(/\s/g, ''), 'hex');
          out.flashId = [b[0]!, b[1]!, b[2]!];
        } else if (Array.isArray(v) && v.length === 3) {
          out.flashId = [intField(v[0], `${p}[0]`, 0, 255), intField(v[1], `${p}[1]`, 0, 255), intField(v[2], `${p}[2]`, 0x10, 0x18)];
        } else {
          fail(p, `expected 3 JEDEC bytes like "EB6015" or [235, 96, 21], got ${JSON.stringify(v)}`);
        }
        break;
      }
      case 'initialSr':
        out.initialSr = intField(v, p, 0, 0xffff);
        break;
      case 'protection':
        if (v !== 'coarse' && v !== 'cmp-bp0') fail(p, `expected "coarse" or "cmp-bp0", got ${JSON.stringify(v)}`);
        out.protection = v;
        break;
      case 'mac':
        if (typeof v !== 'string' || !/^[0-9a-f]{12}$/i.test(v.replace(/[:-]/g, '')))
          fail(p, `expected 12 hex digits (colons allowed), got ${JSON.stringify(v)}`);
        out.mac = v.replace(/[:-]/g, '').toUpperCase();
        break;
      case 'factoryImage':
        if (typeof v !== 'boolean') fail(p, 'expected true or false');
        out.factoryImage = v;
        break;
      case 'faults':
        out.faults = faultsField(v, p);
        break;
      case 'seed':
        out.seed = intField(v, p, 0, 0xffffffff);
        break;
      case 'path':
        if (typeof v !== 'string' || v.length === 0) fail(p, 'expected a non-empty string like "sim:slot0"');
        out.path = v;
        break;
      case 'rxBufferBytes':
        out.rxBufferBytes = v === 'unlimited' ? Number.POSITIVE_INFINITY : intField(v, p, 1, 1 << 20);
        break;
      case 'firmwareFaults': {
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(p, 'expected a list of fault names, e.g. ["relay-stuck"]');
        try {
          parseObkSimFaults(v as ObkSimFaultSpec[]);
        } catch (e) {
          fail(p, (e as Error).message);
        }
        out.firmwareFaults = v as string[];
        break;
      }
      case 'flashFile':
        if (typeof v !== 'string' || v.trim() === '') fail(p, 'expected a file path (in a rig file, relative paths are under $PLUGRIG_HOME)');
        out.flashFile = v;
        break;
      case 'frameTimeoutMs':
        out.frameTimeoutMs = intField(v, p, 1, 10_000);
        break;
      default:
        fail(p, 'unknown field');
    }
  }
  return out;
}
