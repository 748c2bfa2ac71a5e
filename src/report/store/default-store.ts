/**
 * The embedded default store: `<store dir>/records.sqlite`. Commands open it here, so the rule for a
 * directory that still holds only the JSON-lines store of an older plugrig is the same everywhere:
 * it is named, with the command that brings it over, rather than silently replaced by an empty
 * database beside it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PlugrigError } from '../../core/errors.js';
import { openSqliteStore, type SqliteRecordStore } from './sqlite-store.js';

export const SQLITE_FILE = 'records.sqlite';

export const sqlitePath = (dir: string): string => join(dir, SQLITE_FILE);

const LEGACY_RE = /^(events|records)-\d{4}-\d{2}-\d{2}\.jsonl$/;

/** True when `dir` holds JSON-lines store files (file-store.ts format). */
export function hasJsonLinesStore(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => LEGACY_RE.test(f));
  } catch {
    return false; // no directory: nothing stored yet
  }
}

/** The one-line refusal for a directory with only the old store in it. */
export function jsonLinesOnlyError(dir: string): PlugrigError {
  return new PlugrigError(
    'E_STORE_OLD_FORMAT',
    `the record store ${dir} holds only JSON-lines records of an older plugrig, which now keeps records in ${SQLITE_FILE}`,
    `bring them over once with: plugrig records import ${dir}`,
  );
}

/**
 * Opens the SQLite store of a store directory: as the one writer (`run`, `serve`), or read-only
 * (`records`, beside a running serve). Refuses a directory holding only a JSON-lines store.
 */
export function openDefaultStore(dir: string, opts: { readOnly?: boolean } = {}): Promise<SqliteRecordStore> {
  const path = sqlitePath(dir);
  if (!existsSync(path) && hasJsonLinesStore(dir)) return Promise.reject(jsonLinesOnlyError(dir));
  return openSqliteStore(path, opts);
}
