/**
 * Record queries, pure, shared by both stores: MAC normalisation, date parsing for --since, the
 * match itself, and how a run without a record reads.
 */
import type { RecordStatus, RunRecord } from '../../core/record.js';
import type { RecordQuery } from './types.js';
import { macMatches, normalizeMac } from '../../core/mac.js';

/** "C8:47:8c-00.00.01" → "C8478C000001"; undefined when it is not 12 hex digits. */
export { normalizeMac };

/** What a MAC is matched (and indexed) by: its 12 upper-case hex digits, else the text upper-cased. */
export const macKey = (raw: string): string => normalizeMac(raw) ?? raw.toUpperCase();

/**
 * A run folded from its events, no record stored: finished if its last event says so, else `open`
 * ('running' while its writer lives, 'unfinished' once it is gone).
 */
export function openRun(rec: RunRecord, open: Exclude<RecordStatus, 'finished'>): RunRecord {
  return rec.status === 'finished' ? rec : { ...rec, status: open };
}

/**
 * --since: an ISO date or date-time ("2026-11-29", "2026-11-29T08:00"), "today", or an age
 * ("30m", "12h", "7d"). Returns wall-clock ms, or undefined when it cannot be read.
 */
export function parseSince(raw: string, now = Date.now()): number | undefined {
  const s = raw.trim();
  if (s === 'today') {
    const d = new Date(now);
    d.setHours(0, 0, 0, 0);
    return d.getTime();
  }
  const age = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(s);
  if (age) {
    const mult = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(age[1]) * mult;
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) {
    // A bare date is local midnight, as a person means it.
    const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T00:00:00`).getTime() : new Date(s.replace(' ', 'T')).getTime();
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

export function matchRecord(rec: RunRecord, q: RecordQuery): boolean {
  if (q.runId !== undefined && rec.runId !== q.runId) return false;
  if (q.slot !== undefined && rec.slot !== q.slot) return false;
  if (q.since !== undefined && rec.startedAt < q.since) return false;
  if (q.until !== undefined && rec.startedAt >= q.until) return false;
  if (q.mac !== undefined && (!rec.unit.mac || !macMatches(macKey(rec.unit.mac), macKey(q.mac)))) return false;
  if (q.outcome !== undefined) {
    if (q.outcome === 'UNFINISHED') return rec.status === 'unfinished';
    if (q.outcome === 'RUNNING') return rec.status === 'running';
    if (q.outcome === 'FAILED') return rec.status === 'finished' && (rec.outcome === 'FAIL' || rec.outcome === 'ERROR');
    if (rec.outcome !== q.outcome) return false;
  }
  return true;
}

/** Matches, newest first, limited. */
export function selectRecords(all: Iterable<RunRecord>, q: RecordQuery = {}): RunRecord[] {
  const out = [...all].filter((r) => matchRecord(r, q)).sort((a, b) => b.startedAt - a.startedAt || (a.runId < b.runId ? 1 : -1));
  return q.limit !== undefined ? out.slice(0, q.limit) : out;
}
