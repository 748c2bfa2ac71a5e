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
import { applyEvent, foldEvents, type RunRecord } from '../../core/record.js';
import type { RunEvent } from '../../core/run-types.js';
import { appendRefused, CommitFeed, type PendingAppend, storeOpenError, storeWriteError } from './commit.js';
import { macKey, openRun } from './query.js';
import { migrate } from './sqlite-schema.js';
import type { RecordQuery, RecordStore, StoredEvent } from './types.js';
import { acquireWriterLock, writerActive } from './writer-lock.js';

export interface SqliteStoreOptions {
  /** Never writes; for `plugrig records` beside a running serve. */
  readOnly?: boolean;
  /** Most events one eventsSince call returns, whatever the caller asks. Default 1000. */
  maxPage?: number;
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
      s.insertPhase!.run(
        rec.runId,
        i,
        p.name,
        p.outcome ?? null,
        p.attempts,
        p.startedAt ?? null,
        p.durationMs ?? null,
        p.error?.code ?? null,
        p.skipReason ?? null,
      );
      p.measurements.forEach((m, j) => {
        s.insertMeasurement!.run(
          rec.runId,
          p.name,
          j,
          m.name,
          sqlValue(m.value),
          m.unit ?? null,
          m.verdict,
          m.limits?.low ?? null,
          m.limits?.high ?? null,
          m.limits?.equals !== undefined ? JSON.stringify(m.limits.equals) : null,
          m.note ?? null,
        );
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
    const refused = appendRefused({ closed: this.feed.closed, readOnly: this.readOnly, where: this.path });
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

  async records(query: RecordQuery = {}): Promise<RunRecord[]> {
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
    if (query.mac !== undefined) match('mac = ?', macKey(query.mac));
    if (query.outcome === 'RUNNING') match(writerAlive ? "status = 'running'" : '0');
    else if (query.outcome === 'UNFINISHED') match(writerAlive ? "status = 'unfinished'" : "status IN ('unfinished', 'running')");
    else if (query.outcome !== undefined) match('outcome = ?', query.outcome);
    const sql = `SELECT run_id, status, first_seq, record FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY started_at DESC, run_id DESC ${query.limit !== undefined ? 'LIMIT ?' : ''}`;
    if (query.limit !== undefined) args.push(Math.max(0, Math.floor(query.limit)));
    const rows = this.db.prepare(sql).all(...args) as RunRow[];
    return rows.map((r) => this.rowRecord(r, writerAlive));
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
