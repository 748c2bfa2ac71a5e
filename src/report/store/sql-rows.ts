/**
 * The parameter rows of the `phases` and `measurements` tables, in column order, shared by the SQL
 * stores (sqlite-store.ts, pg-store.ts). Each store says how it keeps a time and a measured value:
 * PostgreSQL's bigint columns want whole milliseconds, SQLite stores booleans as 0/1.
 */
import type { PhaseRecord } from '../../core/record.js';

type Measured = PhaseRecord['measurements'][number];

/** run_id, ord, name, outcome, attempts, started_at, duration_ms, error_code, skip_reason */
export function phaseRow(runId: string, ord: number, p: PhaseRecord, ms: (t: number) => number = (t) => t): unknown[] {
  return [
    runId,
    ord,
    p.name,
    p.outcome ?? null,
    p.attempts,
    p.startedAt !== undefined ? ms(p.startedAt) : null,
    p.durationMs !== undefined ? ms(p.durationMs) : null,
    p.error?.code ?? null,
    p.skipReason ?? null,
  ];
}

/** run_id, phase, ord, name, value, unit, verdict, low, high, equals, note */
export function measurementRow(runId: string, phase: string, ord: number, m: Measured, value: (v: unknown) => unknown): unknown[] {
  return [
    runId,
    phase,
    ord,
    m.name,
    value(m.value),
    m.unit ?? null,
    m.verdict,
    m.limits?.low ?? null,
    m.limits?.high ?? null,
    m.limits?.equals !== undefined ? JSON.stringify(m.limits.equals) : null,
    m.note ?? null,
  ];
}
