/**
 * The record store on PostgreSQL (the `pg` driver), schema in pg-schema.ts: the same contract as the
 * SQLite store, shared by several stations at once (DESIGN.md, "Beyond one host").
 *
 * - Appends queued while a commit is in flight go in the next transaction (group commit), in order.
 *   Each resolves only after its COMMIT.
 * - Seqs are global, gapless and commit in order: a writer holds the `stream` row's lock for its
 *   transaction, so two stations never interleave half-committed seqs.
 * - Idempotent: an event whose (run id, run-local seq) is already stored is not stored again; its
 *   append resolves with the seq it got the first time. A forwarder can replay freely.
 * - subscribe() hears every station's commits, in seq order: LISTEN/NOTIFY wakes a tail of the
 *   events table, and a slow poll covers a dropped listening connection.
 * - Opening with a station name marks that station's runs still 'running' as unfinished: one process
 *   writes per station, so they belong to a writer that is gone.
 * The store's own housekeeping (poll, reconnect) runs on real time, like the hub's pings.
 */
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { hostname } from 'node:os';
import { PlugrigError } from '../../core/errors.js';
import { normalizeMac } from '../../core/mac.js';
import { applyEvent, foldEvents, type RunRecord } from '../../core/record.js';
import type { RunEvent } from '../../core/run-types.js';
import { migratePg } from './pg-schema.js';
import { measurementRow, phaseRow } from './sql-rows.js';
import type { RecordQuery, RecordStore, StoredEvent } from './types.js';

export interface PgStoreOptions {
  /** This station's name, stored with every event and run it writes. Default: the host name. */
  station?: string;
  /** Most events one eventsSince call returns, whatever the caller asks. Default 1000. */
  maxPage?: number;
  /** How often subscribers' tail looks for commits it was not told of (ms). Default 2000. */
  pollMs?: number;
  /** Deadline of one connection attempt and of one query (ms). Default 5000 / 15000. */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** Connections in the pool. Default 4. */
  poolSize?: number;
  /**
   * The central view of several stations: events and records name their slot "<station>/<slot>",
   * and a slot given to a query may be so named, so two stations' "slot0" stay apart.
   */
  qualifySlots?: boolean;
}

interface Pending {
  event: RunEvent;
  resolve(s: StoredEvent): void;
  reject(e: unknown): void;
}

interface RunRow {
  run_id: string;
  station: string;
  status: 'running' | 'finished' | 'unfinished';
  record: RunRecord | null;
}

const CHANNEL = 'plugrig_events';
const macKey = (raw: string): string => normalizeMac(raw) ?? raw.toUpperCase();
const eventKey = (runId: string, runSeq: number) => `${runId}\u0000${runSeq}`;
/** The URL without its password, for messages. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/** bigint columns come back as numbers: seqs and ms timestamps stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export class PgRecordStore implements RecordStore {
  private committed = 0;
  /** The highest seq heard of from anyone (own commits, NOTIFY). */
  private known = 0;
  /** Subscribers' tail: the last seq delivered to them. */
  private delivered = 0;
  private readonly active = new Map<string, RunRecord>();
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private pumping = false;
  private pumpAgain = false;
  private listenClient: pg.Client | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly openReport = { migratedFrom: 0, markedUnfinished: [] as string[] };

  private constructor(
    private readonly pool: Pool,
    private readonly url: string,
    readonly station: string,
    private readonly o: Required<Omit<PgStoreOptions, 'station' | 'qualifySlots'>>,
    private readonly qualify: boolean,
  ) {}

  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgRecordStore> {
    const o = {
      maxPage: opts.maxPage ?? 1000,
      pollMs: opts.pollMs ?? 2000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
      queryTimeoutMs: opts.queryTimeoutMs ?? 15_000,
      poolSize: opts.poolSize ?? 4,
    };
    const pool = new pg.Pool({
      connectionString: url,
      max: o.poolSize,
      connectionTimeoutMillis: o.connectTimeoutMs,
      query_timeout: o.queryTimeoutMs,
      idleTimeoutMillis: 10_000,
      types,
    });
    // An idle connection dropped by the server must not take the process down; the next query reconnects.
    pool.on('error', () => undefined);
    // Nor may one checked out mid-transaction when the server goes away: the query in flight fails instead.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const store = new PgRecordStore(pool, url, opts.station ?? hostname(), o, opts.qualifySlots ?? false);
    try {
      const client = await pool.connect();
      try {
        const { from } = await migratePg(client, redactUrl(url));
        store.openReport.migratedFrom = from;
        if (opts.station !== undefined) {
          const r = await client.query<{ run_id: string }>("UPDATE runs SET status = 'unfinished' WHERE station = $1 AND status = 'running' RETURNING run_id", [
            store.station,
          ]);
          store.openReport.markedUnfinished = r.rows.map((x) => x.run_id);
        }
        const h = await client.query<{ head: number }>('SELECT head FROM stream WHERE id = 1');
        store.committed = store.known = store.delivered = h.rows[0]?.head ?? 0;
      } finally {
        client.release();
      }
      return store;
    } catch (e) {
      await pool.end().catch(() => undefined);
      if (e instanceof PlugrigError) throw e;
      throw new PlugrigError(
        'E_STORE_OPEN',
        `cannot open the record store ${redactUrl(url)}: ${(e as Error).message}`,
        'check that PostgreSQL is running, the URL (postgres://user:pass@host:port/db) and that the user may create tables',
        { cause: e },
      );
    }
  }

  append(event: RunEvent): Promise<StoredEvent> {
    if (this.closed) return Promise.reject(new PlugrigError('E_STORE_CLOSED', 'the record store is closed', 'this is a bug: events after shutdown'));
    return new Promise<StoredEvent>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // One turn's appends share the first transaction.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        try {
          const stored = await this.commit(batch.map((p) => p.event));
          for (const [i, p] of batch.entries()) p.resolve(stored[i]!);
        } catch (e) {
          // What was queued behind a failed batch would land out of order: it fails too.
          const rest = this.queue.splice(0);
          const err = new PlugrigError(
            'E_STORE_WRITE',
            `could not write the record store ${redactUrl(this.url)}: ${(e as Error).message}`,
            'check that PostgreSQL is reachable; a station forwarding from its local store retries by itself',
            { cause: e },
          );
          for (const p of [...batch, ...rest]) p.reject(err);
        }
        this.pump();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** One transaction: new events get the next seqs; known ones keep theirs; touched runs are refolded. */
  private async commit(events: RunEvent[]): Promise<StoredEvent[]> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const head = (await client.query<{ head: number }>('UPDATE stream SET head = head WHERE id = 1 RETURNING head')).rows[0]!.head;
      const existing = await client.query<{ run_id: string; run_seq: number; seq: number }>(
        `SELECT e.run_id, e.run_seq, e.seq FROM events e
           JOIN unnest($1::text[], $2::int[]) AS k(run_id, run_seq) USING (run_id, run_seq)`,
        [events.map((e) => e.runId), events.map((e) => e.seq)],
      );
      const seqOf = new Map(existing.rows.map((r) => [eventKey(r.run_id, r.run_seq), r.seq]));
      const out: StoredEvent[] = [];
      const fresh: StoredEvent[] = [];
      let next = head;
      for (const event of events) {
        const k = eventKey(event.runId, event.seq);
        const had = seqOf.get(k);
        if (had !== undefined) {
          out.push({ seq: had, event });
          continue;
        }
        const s = { seq: ++next, event };
        seqOf.set(k, s.seq);
        out.push(s);
        fresh.push(s);
      }
      const folded = new Map<string, RunRecord>();
      if (fresh.length) {
        const col = <T>(f: (s: StoredEvent) => T) => fresh.map(f);
        await client.query(
          `INSERT INTO events (seq, station, run_id, run_seq, slot, type, t, body)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[], $8::jsonb[])`,
          [
            col((s) => s.seq),
            col(() => this.station),
            col((s) => s.event.runId),
            col((s) => s.event.seq),
            col((s) => s.event.slot),
            col((s) => s.event.type),
            col((s) => Math.round(s.event.t)),
            col((s) => JSON.stringify(s.event)),
          ],
        );
        await client.query('UPDATE stream SET head = $1 WHERE id = 1', [next]);
        const firstSeq = new Map<string, number>();
        const fromStore = new Set<string>();
        for (const s of fresh) {
          const id = s.event.runId;
          if (!firstSeq.has(id)) firstSeq.set(id, s.seq);
          if (fromStore.has(id)) continue;
          const prev = folded.get(id) ?? this.active.get(id);
          if (prev) {
            folded.set(id, applyEvent(prev, s.event));
          } else {
            // Not cached (a new writer, a late event): fold the run from what is stored, this batch included.
            fromStore.add(id);
            folded.set(id, await this.foldStored(client, id));
          }
        }
        for (const [id, rec] of folded) await this.writeRun(client, rec, firstSeq.get(id)!);
        await client.query('SELECT pg_notify($1, $2)', [CHANNEL, String(next)]);
      }
      await client.query('COMMIT');
      for (const [id, rec] of folded) {
        if (rec.status === 'running') this.active.set(id, rec);
        else this.active.delete(id);
      }
      this.committed = Math.max(this.committed, next);
      this.known = Math.max(this.known, next);
      return out;
    } catch (e) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(broken);
    }
  }

  private async foldStored(client: PoolClient | Pool, runId: string): Promise<RunRecord> {
    const r = await client.query<{ body: RunEvent }>('SELECT body FROM events WHERE run_id = $1 ORDER BY run_seq', [runId]);
    return foldEvents(r.rows.map((x) => x.body));
  }

  private async writeRun(client: PoolClient, rec: RunRecord, firstSeq: number): Promise<void> {
    const ended = rec.status !== 'running';
    // A run this station's restart already marked unfinished stays so when its old events arrive late.
    await client.query(
      `INSERT INTO runs (run_id, station, slot, rig, mac, status, outcome, started_at, finished_at, duration_ms, first_seq, record)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (run_id) DO UPDATE SET
         station = EXCLUDED.station, slot = EXCLUDED.slot, rig = EXCLUDED.rig, mac = EXCLUDED.mac,
         status = CASE WHEN runs.status = 'unfinished' AND EXCLUDED.status = 'running' THEN 'unfinished' ELSE EXCLUDED.status END,
         outcome = EXCLUDED.outcome, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
         duration_ms = EXCLUDED.duration_ms, first_seq = LEAST(runs.first_seq, EXCLUDED.first_seq), record = EXCLUDED.record`,
      [
        rec.runId,
        rec.station ?? this.station,
        rec.slot,
        rec.rig,
        rec.unit.mac ? macKey(rec.unit.mac) : null,
        rec.status,
        rec.outcome ?? null,
        Math.round(rec.startedAt),
        rec.finishedAt !== undefined ? Math.round(rec.finishedAt) : null,
        rec.durationMs !== undefined ? Math.round(rec.durationMs) : null,
        firstSeq,
        ended ? JSON.stringify(rec) : null,
      ],
    );
    if (!ended) return;
    await client.query('DELETE FROM phases WHERE run_id = $1', [rec.runId]);
    await client.query('DELETE FROM measurements WHERE run_id = $1', [rec.runId]);
    for (const [i, p] of rec.phases.entries()) {
      await client.query(
        `INSERT INTO phases (run_id, ord, name, outcome, attempts, started_at, duration_ms, error_code, skip_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        phaseRow(rec.runId, i, p, Math.round),
      );
      for (const [j, m] of p.measurements.entries()) {
        await client.query(
          `INSERT INTO measurements (run_id, phase, ord, name, value, unit, verdict, low, high, equals, note)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
          measurementRow(rec.runId, p.name, j, m, (v) => (v === undefined ? null : JSON.stringify(v))),
        );
      }
    }
  }

  async records(query: RecordQuery = {}): Promise<RunRecord[]> {
    return this.recordsPage(query);
  }

  /** Records matching the query, newest first, fetched a page at a time (any size of answer). */
  async *iterateRecords(query: RecordQuery = {}, pageSize = 500): AsyncGenerator<RunRecord> {
    let left = query.limit ?? Number.POSITIVE_INFINITY;
    let after: RunRecord | undefined;
    while (left > 0) {
      const want = Math.min(pageSize, left);
      const page = await this.recordsPage({ ...query, limit: want }, after);
      yield* page;
      if (page.length < want) return;
      left -= page.length;
      after = page[page.length - 1];
    }
  }

  /** One page of records; `after` (the last record of the previous page) continues the order. */
  private async recordsPage(query: RecordQuery, after?: RunRecord): Promise<RunRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const match = (clause: string, ...values: unknown[]) => {
      let c = clause;
      for (const v of values) {
        args.push(v);
        c = c.replace('?', `$${args.length}`);
      }
      where.push(c);
    };
    if (query.runId !== undefined) match('run_id = ?', query.runId);
    if (query.slot !== undefined) {
      const q = this.splitSlot(query.slot);
      if (q.station !== undefined) match('station = ?', q.station);
      match('slot = ?', q.slot);
    }
    if (query.since !== undefined) match('started_at >= ?', query.since);
    if (query.until !== undefined) match('started_at < ?', query.until);
    if (query.mac !== undefined) match('mac = ?', macKey(query.mac));
    if (query.outcome === 'RUNNING') match("status = 'running'");
    else if (query.outcome === 'UNFINISHED') match("status = 'unfinished'");
    else if (query.outcome === 'FAILED') match("outcome IN ('FAIL', 'ERROR')");
    else if (query.outcome !== undefined) match('outcome = ?', query.outcome);
    if (after) match('(started_at, run_id) < (?, ?)', Math.round(after.startedAt), after.runId);
    if (query.limit !== undefined) args.push(Math.max(0, Math.floor(query.limit)));
    const sql = `SELECT run_id, station, status, record FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY started_at DESC, run_id DESC ${query.limit !== undefined ? `LIMIT $${args.length}` : ''}`;
    const rows = (await this.pool.query<RunRow>(sql, args)).rows;
    const out: RunRecord[] = [];
    for (const row of rows) {
      let rec = row.record ?? this.active.get(row.run_id) ?? (await this.foldStored(this.pool, row.run_id));
      if (!row.record && rec.status !== 'finished') rec = { ...rec, status: row.status };
      out.push(this.qualify ? { ...rec, slot: `${row.station}/${rec.slot}` } : rec);
    }
    return out;
  }

  async eventsSince(since: number, opts: { slot?: string; limit?: number } = {}): Promise<StoredEvent[]> {
    const limit = Math.max(0, Math.min(opts.limit ?? this.o.maxPage, this.o.maxPage));
    type Row = { seq: number; station: string; body: RunEvent };
    const q = opts.slot === undefined ? undefined : this.splitSlot(opts.slot);
    const r =
      q === undefined
        ? await this.pool.query<Row>('SELECT seq, station, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [since, limit])
        : q.station === undefined
          ? await this.pool.query<Row>('SELECT seq, station, body FROM events WHERE slot = $1 AND seq > $2 ORDER BY seq LIMIT $3', [q.slot, since, limit])
          : await this.pool.query<Row>('SELECT seq, station, body FROM events WHERE station = $1 AND slot = $2 AND seq > $3 ORDER BY seq LIMIT $4', [
              q.station,
              q.slot,
              since,
              limit,
            ]);
    return r.rows.map((x) => ({ seq: x.seq, event: this.qualify ? { ...x.body, slot: `${x.station}/${x.body.slot}` } : x.body }));
  }

  /** "st-a/slot0" → station st-a, slot slot0 (central view only; a station's own slot names are taken whole). */
  private splitSlot(slot: string): { station?: string; slot: string } {
    const i = slot.indexOf('/');
    return this.qualify && i > 0 ? { station: slot.slice(0, i), slot: slot.slice(i + 1) } : { slot };
  }

  /** Every station's slots that ever ran, with the rig of their latest run: the central view's slots. */
  async stations(): Promise<{ station: string; slot: string; rig: string }[]> {
    const r = await this.pool.query<{ station: string; slot: string; rig: string }>(
      'SELECT DISTINCT ON (station, slot) station, slot, rig FROM runs ORDER BY station, slot, started_at DESC',
    );
    return r.rows;
  }

  head(): number {
    return Math.max(this.committed, this.known, this.delivered);
  }

  subscribe(listener: (e: StoredEvent) => void): () => void {
    if (this.listeners.size === 0) this.delivered = this.head();
    this.listeners.add(listener);
    this.follow();
    return () => this.listeners.delete(listener);
  }

  /** Starts the LISTEN connection and the poll, once. */
  private follow(): void {
    if (this.listenClient || this.closed) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: this.o.connectTimeoutMs, types });
    this.listenClient = client;
    const retry = () => {
      if (this.listenClient !== client) return;
      this.listenClient = undefined;
      client.end().catch(() => undefined);
      this.later(() => this.follow(), this.o.pollMs);
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (n) => {
      const head = Number(n.payload);
      if (Number.isFinite(head)) this.known = Math.max(this.known, head);
      this.pump();
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(() => this.pump(), retry);
    if (this.timers.size === 0) this.poll();
  }

  private poll(): void {
    this.later(() => {
      this.pump();
      this.poll();
    }, this.o.pollMs);
  }

  private later(fn: () => void, ms: number): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** Delivers committed events after `delivered` to subscribers, in order; one tail at a time. */
  private pump(): void {
    if (!this.listeners.size || this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          for (let pages = 0; pages < 10_000; pages++) {
            const page = await this.eventsSince(this.delivered, { limit: this.o.maxPage });
            for (const s of page) {
              if (s.seq <= this.delivered) continue;
              this.delivered = s.seq;
              for (const l of this.listeners) {
                try {
                  l(s);
                } catch {
                  /* a listener's bug must not stop the store */
                }
              }
            }
            if (page.length < this.o.maxPage || this.closed) break;
          }
        } while (this.pumpAgain && !this.closed);
      } catch {
        /* the database is away: the next notification or poll tries again */
      } finally {
        this.pumping = false;
      }
    })();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushing; // appends already accepted are committed (or rejected), not dropped
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.listeners.clear();
    const lc = this.listenClient;
    this.listenClient = undefined;
    await lc?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

/** Opens the PostgreSQL record store at `url`, creating or migrating its tables. */
export function openPgStore(url: string, opts?: PgStoreOptions): Promise<PgRecordStore> {
  return PgRecordStore.open(url, opts);
}

export const isPgUrl = (s: string): boolean => /^postgres(ql)?:\/\//i.test(s);
