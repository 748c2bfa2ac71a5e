/**
 * A station file lists the rigs (slots) one `plugrig serve` runs, and may carry the control token:
 *   { "name": "line-1", "token": "…", "rigs": ["rigs/a.json", { "rig": "rigs/b.json", "slot": "left" }] }
 * Rig paths are relative to the station file. Pure validation; reading goes through core/json-file.
 */
import { dirname, resolve } from 'node:path';
import { PlugrigError } from '../core/errors.js';
import { readJsonFile, type JsonFileKind } from '../core/json-file.js';

export interface StationFile {
  name?: string;
  token?: string;
  /** A plan file applied to every slot's default plan (relative to the station file; absolute once loaded). */
  plan?: string;
  /** A provisioning file applied to each unit of every slot whose rig file names none (relative, then absolute). */
  provision?: string;
  rigs: { rig: string; slot?: string }[];
}

const SLOT_RE = /^[A-Za-z0-9_.-]{1,64}$/;

function bad(source: string, where: string, what: string, fix: string): PlugrigError {
  return new PlugrigError('E_STATION_INVALID', `${source}: ${where}: ${what}`, fix);
}

export function validateStation(json: unknown, source: string): StationFile {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw bad(source, '$', 'must be an object', 'see docs/websocket-protocol.md, "Station file"');
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['name', 'token', 'rigs', 'description', 'plan', 'provision'].includes(k))
      throw bad(source, `$.${k}`, 'unknown key', 'allowed: name, token, rigs, description, plan, provision');
  }
  if (o.name !== undefined && typeof o.name !== 'string') throw bad(source, '$.name', 'must be a string', '');
  if (o.plan !== undefined && (typeof o.plan !== 'string' || o.plan === ''))
    throw bad(source, '$.plan', 'must be a plan file path', 'e.g. "plan": "plans/line-1.ts" (relative to the station file)');
  if (o.provision !== undefined && (typeof o.provision !== 'string' || o.provision === ''))
    throw bad(source, '$.provision', 'must be a provisioning file path', 'e.g. "provision": "line-1.provision.json" (relative to the station file)');
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token.length < 8 || o.token.length > 256)) {
    throw bad(source, '$.token', 'must be a string of 8 to 256 characters', 'use a long random string, e.g. `openssl rand -hex 16`');
  }
  if (!Array.isArray(o.rigs) || o.rigs.length === 0) throw bad(source, '$.rigs', 'must be a non-empty list of rig files', 'e.g. "rigs": ["rigs/sim.json"]');
  const rigs = o.rigs.map((r, i) => {
    if (typeof r === 'string') return { rig: r };
    if (typeof r === 'object' && r !== null && typeof (r as { rig?: unknown }).rig === 'string') {
      const { rig, slot } = r as { rig: string; slot?: unknown };
      if (slot !== undefined && (typeof slot !== 'string' || !SLOT_RE.test(slot))) {
        throw bad(source, `$.rigs[${i}].slot`, 'must be letters, digits, _ . - (up to 64)', 'e.g. "slot": "left"');
      }
      return slot === undefined ? { rig } : { rig, slot: slot as string };
    }
    throw bad(source, `$.rigs[${i}]`, 'must be a rig file path or {"rig": path, "slot": name}', '');
  });
  return {
    ...(o.name ? { name: o.name as string } : {}),
    ...(o.token ? { token: o.token as string } : {}),
    ...(o.plan ? { plan: o.plan as string } : {}),
    ...(o.provision ? { provision: o.provision as string } : {}),
    rigs,
  };
}

const STATION_FILE: JsonFileKind = { what: 'station file', code: 'E_STATION_INVALID', missingHint: 'check the --station path' };

export async function loadStationFile(path: string): Promise<StationFile> {
  const st = validateStation(await readJsonFile(path, STATION_FILE), path);
  const base = dirname(resolve(path));
  return {
    ...st,
    ...(st.plan ? { plan: resolve(base, st.plan) } : {}),
    ...(st.provision ? { provision: resolve(base, st.provision) } : {}),
    rigs: st.rigs.map((r) => ({ ...r, rig: resolve(base, r.rig) })),
  };
}

/** A rig name turned into a slot name the protocol accepts. */
export function slotNameFor(rigName: string): string {
  const s = rigName
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return s || 'slot';
}
