/**
 * `plugrig records import <dir>`: brings a JSON-lines store (file-store.ts format) into the SQLite
 * store. Its files are read line by line, never whole, so a store of any size imports with flat
 * memory; the store's importRuns makes it one transaction, idempotent by run id. The old store's
 * writer lock is taken for the duration, so no older plugrig is appending to it meanwhile.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RunRecord } from '../../core/record.js';
import type { RunEvent } from '../../core/run-types.js';
import { isObject } from './jsonl.js';
import type { ImportCounts, SqliteRecordStore } from './sqlite-store.js';
import { acquireWriterLock } from './writer-lock.js';

export interface JsonLinesImport extends ImportCounts {
  /** Lines that did not parse or had not the expected shape (a torn tail, damage): skipped. */
  badLines: number;
  files: number;
}

/** The store's files of one kind, oldest day first (the names sort by date). */
async function filesOf(dir: string, kind: 'events' | 'records'): Promise<string[]> {
  const re = new RegExp(`^${kind}-\\d{4}-\\d{2}-\\d{2}\\.jsonl$`);
  return (await readdir(dir))
    .filter((f) => re.test(f))
    .sort()
    .map((f) => join(dir, f));
}

async function* linesOf<T>(files: string[], pick: (v: unknown) => T | undefined, bad: { n: number }): AsyncGenerator<T> {
  for (const file of files) {
    const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of rl) {
      if (line.trim() === '') continue;
      let v: T | undefined;
      try {
        v = pick(JSON.parse(line));
      } catch {
        v = undefined;
      }
      if (v === undefined) bad.n += 1;
      else yield v;
    }
  }
}

const eventOf = (v: unknown): RunEvent | undefined => {
  if (!isObject(v) || typeof v.c !== 'number' || !isObject(v.e)) return undefined;
  const e = v.e;
  return typeof e.runId === 'string' && typeof e.slot === 'string' && typeof e.type === 'string' && typeof e.seq === 'number'
    ? (e as unknown as RunEvent)
    : undefined;
};
const recordOf = (v: unknown): RunRecord | undefined =>
  isObject(v) && isObject(v.r) && typeof v.r.runId === 'string' && Array.isArray(v.r.phases) ? (v.r as unknown as RunRecord) : undefined;

export async function importJsonLinesStore(dir: string, into: SqliteRecordStore): Promise<JsonLinesImport> {
  const events = await filesOf(dir, 'events');
  const records = await filesOf(dir, 'records');
  const lock = await acquireWriterLock({ file: join(dir, 'writer.lock'), store: dir, storeArg: 'dir' });
  try {
    const bad = { n: 0 };
    const counts = await into.importRuns({ events: linesOf(events, eventOf, bad), records: linesOf(records, recordOf, bad) });
    return { ...counts, badLines: bad.n, files: events.length + records.length };
  } finally {
    await lock.release();
  }
}
