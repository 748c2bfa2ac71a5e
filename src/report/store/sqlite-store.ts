/**
 * The record store in one SQLite database (better-sqlite3, WAL mode, synchronous=FULL), schema in
 * sqlite-schema.ts. Same contract as the file store, without its costs at scale: nothing is read
 * into memory on open, a query touches only the rows its indexes select, and a resume pages events
 * from the database.
 *
 * - Appends made in one event-loop turn commit in one transaction (group commit); each append
 *   resolves, and subscribers hear of it, only after that commit.
 * - The run row carries the indexed columns; `run.finished` stores the folded RunRecord in it.
 *   Runs still going are folded from their events (a few dozen rows, found from `first_seq`).
 * - One writer (lock file `<db>.writer`, writer-lock.ts); any number of readers in other processes, which see every
 *   committed transaction. A new writer marks the runs a dead writer left open as unfinished.
 * better-sqlite3 is synchronous: a commit blocks the event loop for its fsync (about a millisecond
 * on an SSD, more on an SD card); batching per turn keeps that to one fsync per turn.
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PlugrigError } from '../../core/errors.js';
import { applyEvent, foldEvents, foldInto, type RunRecord } from '../../core/record.js';
import type { RunEvent } from '../../core/run-types.js';
import { appendRefused, CommitFeed, type PendingAppend, storeOpenError, storeWriteError } from './commit.js';
import { macKey, openRun } from './query.js';
import { measurementRow, phaseRow } from './sql-rows.js';
import { migrate } from './sqlite-schema.js';
import type { RecordQuery, RecordStore, StoredEvent } from './types.js';
import { acquireWriterLock, writerActive } from './writer-lock.js';

export interface SqliteStoreOptions {
  /** Never writes; for `plugrig records` beside a running serve. */
  readOnly?: boolean;
  /** Most events one eventsSince call returns, whatever the caller asks. Default 1000. */
  maxPage?: number;
}

type AnyIterable<T> = AsyncIterable<T> | Iterable<T>;

/** What importRuns added (and skipped as already there). */
export interface ImportCounts {
  /** Runs brought in with their events. */
  runs: number;
  events: number;
  /** Runs brought in as a record alone (their events were gone). */
  records: number;
  /** Runs already in the store, left as they were. */
  skippedRuns: number;
  /** Imported runs that never finished, stored as unfinished. */
  unfinished: number;
}

interface Pending extends PendingAppend {
  record: RunRecord;
  first: boolean;
}

interface RunRow {
  run_id: string;
  status: 'running' | 'finished' | 'unfinished';
  first_seq: number;
  record: string | null;
}

const lockFile = (dbPath: string): string => `${dbPath}.writer`;
const sqlValue = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

export class SqliteRecordStore implements RecordStore {
  private assigned = 0;
  private committed = 0;
  /** Writer: folded records of runs that have not finished yet. */
  private readonly active = new Map<string, RunRecord>();
  private readonly feed = new CommitFeed();
  private queue: Pending[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private importing = false;
  private readonly queries = new Map<string, Statement>();
  private readonly stmt: Record<string, Statement>;
  /** What the open found: schema versions, runs marked unfinished. */
  readonly openReport = { migratedFrom: 0, markedUnfinished: [] as string[] };

  private constructor(
    private readonly db: Db,
    readonly path: string,
    readonly readOnly: boolean,
    private readonly maxPage: number,
    private readonly lock: { release(): Promise<void> } | undefined,
  ) {
    const s = (sql: string) => db.prepare(sql);
    this.stmt = {
      head: s('SELECT coalesce(max(seq), 0) AS head FROM events'),
      run: s('SELECT run_id, status, first_seq, record FROM runs WHERE run_id = ?'),
      runEvents: s('SELECT body FROM events WHERE seq >= ? AND run_id = ? ORDER BY seq'),
      eventsAll: s('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      eventsSlot: s('SELECT seq, body FROM events WHERE slot = ? AND seq > ? ORDER BY seq LIMIT ?'),
      ...(readOnly
        ? {}
        : {
            insertEvent: s('INSERT INTO events (seq, run_id, slot, type, t, body) VALUES (?, ?, ?, ?, ?, ?)'),
            insertRun: s(`INSERT INTO runs (run_id, slot, station, rig, mac, status, started_at, first_seq)
                          VALUES (@runId, @slot, @station, @rig, @mac, 'running', @startedAt, @firstSeq)
                          ON CONFLICT (run_id) DO NOTHING`),
            identifyRun: s('UPDATE runs SET slot = @slot, station = @station, rig = @rig, mac = @mac, started_at = @startedAt WHERE run_id = @runId'),
            endRun: s(`UPDATE runs SET status = @status, outcome = @outcome, finished_at = @finishedAt, duration_ms = @durationMs,
                         mac = @mac, record = @record WHERE run_id = @runId`),
            deletePhases: s('DELETE FROM phases WHERE run_id = ?'),
            deleteMeasurements: s('DELETE FROM measurements WHERE run_id = ?'),
            insertPhase: s(`INSERT INTO phases (run_id, ord, name, outcome, attempts, started_at, duration_ms, error_code, skip_reason)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
            insertMeasurement: s(`INSERT INTO measurements (run_id, phase, ord, name, value, unit, verdict, low, high, equals, note)
                                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
            openRuns: s("SELECT run_id, status, first_seq, record FROM runs WHERE status = 'running'"),
          }),
    };
    this.committed = this.assigned = (this.stmt.head!.get() as { head: number }).head;
  }

  static async open(path: string, opts: SqliteStoreOptions = {}): Promise<SqliteRecordStore> {
    const readOnly = opts.readOnly ?? false;
    const maxPage = opts.maxPage ?? 1000;
    let lock: { release(): Promise<void> } | undefined;
    let db: Db | undefined;
    try {
      if (readOnly) {
        // Nothing stored yet reads as an empty store, as with the file store.
        db = existsSync(path) ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(':memory:');
        db.pragma('busy_timeout = 5000');
        if (!existsSync(path)) migrate(db, { readOnly: false, path });
        else migrate(db, { readOnly: true, path });
      } else {
        mkdirSync(dirname(path), { recursive: true });
        lock = await acquireWriterLock({ file: lockFile(path), store: path, storeArg: 'path' });
        db = new Database(path);
        db.pragma('journal_mode = WAL');
        // FULL: the WAL is fsync'ed at every commit, so a resolved append survives power loss.
        db.pragma('synchronous = FULL');
        db.pragma('busy_timeout = 5000');
        db.pragma('foreign_keys = OFF');
      }
      const report = readOnly ? { from: 0, to: 0 } : migrate(db, { readOnly, path });
      const store = new SqliteRecordStore(db, path, readOnly, maxPage, lock);
      store.openReport.migratedFrom = report.from;
      if (!readOnly) store.settleDeadRuns();
      return store;
    } catch (e) {
      db?.close();
      await lock?.release();
      throw e instanceof PlugrigError ? e : storeOpenError('open', path, e, 'path');
    }
  }

  /** Writer, on open: every run still 'running' belonged to a writer that is gone (we hold the lock). */
  private settleDeadRuns(): void {
    const rows = this.stmt.openRuns!.all() as RunRow[];
    if (!rows.length) return;
    this.db
      .transaction(() => {
        for (const row of rows) {
          const settled = openRun(this.foldFromEvents(row), 'unfinished');
          if (settled.status === 'unfinished') this.openReport.markedUnfinished.push(row.run_id);
          this.writeEnded(settled);
        }
      })
      .immediate();
  }

  private foldFromEvents(row: RunRow): RunRecord {
    const events = (this.stmt.runEvents!.all(row.first_seq, row.run_id) as { body: string }[]).map((r) => JSON.parse(r.body) as RunEvent);
    return foldEvents(events);
  }

  private rowRecord(row: RunRow, writerAlive: boolean): RunRecord {
    if (row.record !== null) return JSON.parse(row.record) as RunRecord;
    const live = this.active.get(row.run_id);
    if (live) return live;
    // A reader sees another process's open run: running while its writer lives, else unfinished.
    return openRun(this.foldFromEvents(row), writerAlive ? 'running' : 'unfinished');
  }

  /** Stores an ended run: status and outcome columns, the record JSON, its phases and measurements. */
  private writeEnded(rec: RunRecord): void {
    const s = this.stmt;
    s.endRun!.run({
      runId: rec.runId,
      status: rec.status,
      outcome: rec.outcome ?? null,
      finishedAt: rec.finishedAt ?? null,
      durationMs: rec.durationMs ?? null,
      mac: rec.unit.mac ? macKey(rec.unit.mac) : null,
      record: JSON.stringify(rec),
    });
    s.deletePhases!.run(rec.runId);
    s.deleteMeasurements!.run(rec.runId);
    rec.phases.forEach((p, i) => {
      s.insertPhase!.run(...phaseRow(rec.runId, i, p));
      p.measurements.forEach((m, j) => {
        s.insertMeasurement!.run(...measurementRow(rec.runId, p.name, j, m, sqlValue));
      });
    });
  }

  private runColumns(rec: RunRecord, firstSeq: number): Record<string, unknown> {
    return {
      runId: rec.runId,
      slot: rec.slot,
      station: rec.station ?? null,
      rig: rec.rig,
      mac: rec.unit.mac ? macKey(rec.unit.mac) : null,
      startedAt: rec.startedAt,
      firstSeq,
    };
  }

  append(event: RunEvent): Promise<StoredEvent> {
    const refused =
      appendRefused({ closed: this.feed.closed, readOnly: this.readOnly, where: this.path }) ??
      (this.importing ? new PlugrigError('E_STORE_BUSY', `the record store ${this.path} is importing`, 'wait for the import to end') : undefined);
    if (refused) return Promise.reject(refused);
    let prev = this.active.get(event.runId);
    let first = false;
    if (!prev) {
      // An event of a run this writer has not seen: new, or one already ended (a late event).
      const row = this.stmt.run!.get(event.runId) as RunRow | undefined;
      const pendingSame = this.queue.some((p) => p.stored.event.runId === event.runId);
      if (row) prev = this.rowRecord(row, true);
      else first = !pendingSame;
    }
    const record = applyEvent(prev, event);
    if (record.status === 'running') this.active.set(event.runId, record);
    else this.active.delete(event.runId);
    const stored: StoredEvent = { seq: ++this.assigned, event };
    return new Promise<StoredEvent>((resolve, reject) => {
      this.queue.push({ stored, record, first, resolve, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Group commit: everything appended since the last flush, in one transaction. */
  private flush(): void {
    this.scheduled = undefined;
    const batch = this.queue.splice(0);
    if (!batch.length) return;
    const s = this.stmt;
    try {
      this.db
        .transaction(() => {
          for (const p of batch) {
            const e = p.stored.event;
            s.insertEvent!.run(p.stored.seq, e.runId, e.slot, e.type, e.t, JSON.stringify(e));
            if (p.first) s.insertRun!.run(this.runColumns(p.record, p.stored.seq));
            if (e.type === 'run.started' || e.type === 'unit.identified') s.identifyRun!.run(this.runColumns(p.record, p.stored.seq));
            if (p.record.status !== 'running') this.writeEnded(p.record);
          }
        })
        .immediate();
    } catch (e) {
      // Nothing of the batch is stored: its seqs are reused, so the stream stays gapless.
      this.assigned = this.committed;
      const err = storeWriteError(this.path, e);
      for (const p of batch) p.reject(err);
      return;
    }
    this.feed.committed(batch, (p) => {
      this.committed = p.stored.seq;
    });
  }

  /** The SELECT over `runs` for a query, newest first; what the status of an open run reads as. */
  private async runsQuery(query: RecordQuery, cursor = false): Promise<{ stmt: Statement; args: unknown[]; writerAlive: boolean }> {
    // A writer on another host cannot be asked: its runs read as running.
    const writerAlive = this.readOnly ? await writerActive(lockFile(this.path), { otherHost: true }) : true;
    const where: string[] = [];
    const args: unknown[] = [];
    const match = (clause: string, value?: unknown) => {
      where.push(clause);
      if (value !== undefined) args.push(value);
    };
    if (query.runId !== undefined) match('run_id = ?', query.runId);
    if (query.slot !== undefined) match('slot = ?', query.slot);
    if (query.since !== undefined) match('started_at >= ?', query.since);
    if (query.until !== undefined) match('started_at < ?', query.until);
    if (query.mac !== undefined) {
      // 6 hex digits are the MAC's last 3 bytes (core/mac.ts normalizeMacQuery).
      const key = /^[0-9A-F]{6}$/i.test(query.mac) ? query.mac.toUpperCase() : macKey(query.mac);
      if (key.length === 6) match('mac LIKE ?', `%${key}`);
      else match('mac = ?', key);
    }
    if (query.outcome === 'RUNNING') match(writerAlive ? "status = 'running'" : '0');
    else if (query.outcome === 'UNFINISHED') match(writerAlive ? "status = 'unfinished'" : "status IN ('unfinished', 'running')");
    else if (query.outcome === 'FAILED') match("outcome IN ('FAIL', 'ERROR')");
    else if (query.outcome !== undefined) match('outcome = ?', query.outcome);
    const sql = `SELECT run_id, status, first_seq, record FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY started_at DESC, run_id DESC ${query.limit !== undefined ? 'LIMIT ?' : ''}`;
    if (query.limit !== undefined) args.push(Math.max(0, Math.floor(query.limit)));
    // A query shape is prepared once (a few dozen shapes exist); a cursor gets its own statement,
    // since one being iterated cannot run again until it is done.
    let stmt = cursor ? undefined : this.queries.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (!cursor && this.queries.size < 64) this.queries.set(sql, stmt);
    }
    return { stmt, args, writerAlive };
  }

  async records(query: RecordQuery = {}): Promise<RunRecord[]> {
    const { stmt, args, writerAlive } = await this.runsQuery(query);
    return (stmt.all(...args) as RunRow[]).map((r) => this.rowRecord(r, writerAlive));
  }

  /**
   * The same records as records(), one at a time from a cursor (better-sqlite3 iterate), so an
   * answer of any size is written out with flat memory (`records --json/--ndjson/--csv`). A reader
   * sees one snapshot of the database for the whole iteration (WAL).
   */
  async *iterateRecords(query: RecordQuery = {}): AsyncGenerator<RunRecord> {
    const { stmt, args, writerAlive } = await this.runsQuery(query, true);
    for (const row of stmt.iterate(...args) as IterableIterator<RunRow>) yield this.rowRecord(row, writerAlive);
  }

  /**
   * Bulk load, in ONE transaction (all or nothing): events in stream order, then records of runs
   * whose events are gone. A run already in the store is skipped whole, by run id, so importing
   * twice adds nothing. Imported events get new stream seqs; runs left open are stored as
   * unfinished. Memory holds the folds of the runs open at one time and the run ids met. No append
   * may run meanwhile; subscribers are not told (a bulk load is not a live run).
   * `plugrig records import` uses it, and the records bench builds its synthetic store with it.
   */
  async importRuns(source: { events: AnyIterable<RunEvent>; records?: AnyIterable<RunRecord> }): Promise<ImportCounts> {
    const refused = appendRefused({ closed: this.feed.closed, readOnly: this.readOnly, where: this.path });
    if (refused) throw refused;
    if (this.queue.length || this.active.size || this.importing)
      throw new PlugrigError('E_STORE_BUSY', `the record store ${this.path} is being written`, 'import into a store no run is writing');
    const counts: ImportCounts = { runs: 0, events: 0, records: 0, skippedRuns: 0, unfinished: 0 };
    const open = new Map<string, RunRecord>();
    const mine = new Set<string>();
    const skip = new Set<string>();
    const s = this.stmt;
    this.importing = true;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for await (const e of source.events) {
        if (skip.has(e.runId)) continue;
        let prev = open.get(e.runId);
        let first = false;
        if (!prev) {
          const row = s.run!.get(e.runId) as RunRow | undefined;
          if (row && !mine.has(e.runId)) {
            skip.add(e.runId);
            counts.skippedRuns += 1;
            continue;
          }
          if (row)
            prev = this.rowRecord(row, true); // a late event of a run this import ended
          else {
            first = true;
            mine.add(e.runId);
            counts.runs += 1;
          }
        }
        const record = prev ? foldInto(prev, e) : applyEvent(undefined, e); // `open` owns its folds
        const seq = ++this.assigned;
        s.insertEvent!.run(seq, e.runId, e.slot, e.type, e.t, JSON.stringify(e));
        counts.events += 1;
        if (first) s.insertRun!.run(this.runColumns(record, seq));
        if (e.type === 'run.started' || e.type === 'unit.identified') s.identifyRun!.run(this.runColumns(record, seq));
        if (record.status === 'running') open.set(e.runId, record);
        else {
          open.delete(e.runId);
          this.writeEnded(record);
        }
      }
      for (const rec of open.values()) {
        this.writeEnded(openRun(rec, 'unfinished'));
        counts.unfinished += 1;
      }
      open.clear();
      for await (const rec of source.records ?? []) {
        if (mine.has(rec.runId) || skip.has(rec.runId)) continue;
        if (s.run!.get(rec.runId)) {
          skip.add(rec.runId);
          counts.skippedRuns += 1;
          continue;
        }
        mine.add(rec.runId);
        s.insertRun!.run(this.runColumns(rec, 0)); // no events: nothing to fold from
        this.writeEnded(rec.status === 'running' ? openRun(rec, 'unfinished') : rec);
        counts.records += 1;
      }
      this.db.exec('COMMIT');
      this.committed = this.assigned;
      return counts;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.assigned = this.committed;
      throw e instanceof PlugrigError ? e : storeWriteError(this.path, e);
    } finally {
      this.importing = false;
    }
  }

  async eventsSince(since: number, opts: { slot?: string; limit?: number } = {}): Promise<StoredEvent[]> {
    const limit = Math.max(0, Math.min(opts.limit ?? this.maxPage, this.maxPage));
    const rows = (opts.slot === undefined ? this.stmt.eventsAll!.all(since, limit) : this.stmt.eventsSlot!.all(opts.slot, since, limit)) as {
      seq: number;
      body: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, event: JSON.parse(r.body) as RunEvent }));
  }

  head(): number {
    // A reader asks the database: the writer is another process.
    return this.readOnly ? (this.stmt.head!.get() as { head: number }).head : this.committed;
  }

  subscribe(listener: (e: StoredEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  close(): Promise<void> {
    return this.feed.close(() => {
      if (this.scheduled) clearImmediate(this.scheduled);
      this.flush(); // appends already accepted are committed, not dropped
      this.db.close();
    }, this.lock);
  }
}

/** Opens (creating if need be) the SQLite record store at `path`. */
export function openSqliteStore(path: string, opts?: SqliteStoreOptions): Promise<SqliteRecordStore> {
  return SqliteRecordStore.open(path, opts);
}
