/**
 * The record store as plain files in one directory:
 *   events-YYYY-MM-DD.jsonl   every event, one `{"c":<stream seq>,"e":<event>}` per line
 *   records-YYYY-MM-DD.jsonl  one `{"r":<record>}` per finished (or found-unfinished) run
 *   writer.lock               pid of the one writer
 * Appends are batched (group commit) and fdatasync'ed before anyone hears of them. The index
 * (records by run, stream head, a tail of recent events) is rebuilt on open; a torn last line
 * from a crash is skipped, and runs that never finished are marked 'unfinished' by the next writer.
 * Any number of readers may open the directory while one writer appends.
 */
import { mkdir, open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PlugrigError } from '../../core/errors.js';
import { applyEvent, type RunRecord } from '../../core/record.js';
import type { RunEvent } from '../../core/run-types.js';
import { appendRefused, CommitFeed, type PendingAppend, storeOpenError, storeWriteError } from './commit.js';
import { isObject, parseJsonLines } from './jsonl.js';
import { openRun, selectRecords } from './query.js';
import type { RecordQuery, RecordStore, StoredEvent } from './types.js';
import { acquireWriterLock, writerActive } from './writer-lock.js';

const LOCK_FILE = 'writer.lock';

const EVENTS_RE = /^events-(\d{4}-\d{2}-\d{2})\.jsonl$/;
const RECORDS_RE = /^records-(\d{4}-\d{2}-\d{2})\.jsonl$/;

interface EventLine {
  c: number;
  e: RunEvent;
}
interface RecordLine {
  r: RunRecord;
}

function isEventLine(v: unknown): v is EventLine {
  if (!isObject(v) || typeof v.c !== 'number' || !isObject(v.e)) return false;
  const e = v.e;
  return typeof e.runId === 'string' && typeof e.slot === 'string' && typeof e.type === 'string' && typeof e.seq === 'number';
}
function isRecordLine(v: unknown): v is RecordLine {
  return isObject(v) && isObject(v.r) && typeof v.r.runId === 'string' && Array.isArray(v.r.phases);
}

export interface FileStoreOptions {
  /** 'write' takes the writer lock; 'read' never writes (for `plugrig records` beside a running serve). */
  mode?: 'write' | 'read';
  /** Recent events kept in memory to serve resumes without reading the disk. Default 20 000. */
  tailSize?: number;
  /** Wall clock (tests): picks the day file. */
  now?: () => number;
}

interface Pending extends PendingAppend {
  line: string;
  record?: RunRecord;
}

export class FileRecordStore implements RecordStore {
  private assigned = 0;
  private committed = 0;
  private readonly finished = new Map<string, RunRecord>();
  private readonly active = new Map<string, RunRecord>();
  /** Read mode: runs with events but no record (running elsewhere, or unfinished). */
  private readonly orphans = new Map<string, RunRecord>();
  private tail: StoredEvent[] = [];
  private readonly feed = new CommitFeed();
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private readonly handles = new Map<string, FileHandle>();
  private lock: { release(): Promise<void> } | undefined;
  /** What the last open found: lines skipped as unreadable, runs marked unfinished. */
  readonly openReport = { badLines: 0, tornFiles: 0, markedUnfinished: [] as string[] };

  private constructor(
    readonly dir: string,
    readonly mode: 'write' | 'read',
    private readonly tailSize: number,
    private readonly now: () => number,
  ) {}

  static async open(dir: string, opts: FileStoreOptions = {}): Promise<FileRecordStore> {
    const store = new FileRecordStore(dir, opts.mode ?? 'write', opts.tailSize ?? 20_000, opts.now ?? Date.now);
    if (store.mode === 'write') {
      try {
        await mkdir(dir, { recursive: true });
      } catch (e) {
        throw storeOpenError('create', dir, e, 'dir');
      }
      store.lock = await acquireWriterLock({ file: join(dir, LOCK_FILE), store: dir, storeArg: 'dir' });
    }
    try {
      await store.scan();
    } catch (e) {
      await store.lock?.release();
      throw e;
    }
    return store;
  }

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && this.mode === 'read') return; // nothing stored yet
      throw new PlugrigError('E_STORE_OPEN', `cannot read the record store ${this.dir}: ${(e as Error).message}`, 'check --store / PLUGRIG_HOME');
    }
    const torn: string[] = [];
    // Hands on the good lines of every file of one kind, a file at a time; counts bad lines and notes torn files.
    const eachLine = async <T>(kind: RegExp, accept: (v: unknown) => v is T, use: (line: T) => void): Promise<void> => {
      for (const name of names.filter((n) => kind.test(n))) {
        const parsed = parseJsonLines(await readFile(join(this.dir, name), 'utf8'), accept);
        this.openReport.badLines += parsed.bad;
        if (parsed.tornTail) torn.push(name);
        for (const line of parsed.items) use(line);
      }
    };
    await eachLine(RECORDS_RE, isRecordLine, ({ r }) => this.finished.set(r.runId, r));
    const open = new Map<string, RunRecord>();
    await eachLine(EVENTS_RE, isEventLine, ({ c, e }) => {
      this.assigned = Math.max(this.assigned, c);
      this.pushTail({ seq: c, event: e });
      if (!this.finished.has(e.runId)) open.set(e.runId, applyEvent(open.get(e.runId), e));
    });
    this.tail.sort((a, b) => a.seq - b.seq);
    this.committed = this.assigned;
    this.openReport.tornFiles = torn.length;
    if (this.mode === 'read') {
      const running = await writerActive(join(this.dir, LOCK_FILE));
      for (const rec of open.values()) this.orphans.set(rec.runId, openRun(rec, running ? 'running' : 'unfinished'));
      return;
    }
    // Writer: end torn lines so new appends start clean, then settle the runs the last writer left open.
    for (const name of torn) await this.appendRaw(join(this.dir, name), '\n');
    const settle: RunRecord[] = [];
    for (const rec of open.values()) {
      const settled = openRun(rec, 'unfinished');
      if (settled.status === 'unfinished') this.openReport.markedUnfinished.push(rec.runId);
      settle.push(settled);
    }
    if (settle.length) {
      await this.appendRaw(this.dayFile('records'), settle.map((r) => JSON.stringify({ r }) + '\n').join(''));
      for (const r of settle) this.finished.set(r.runId, r);
    }
  }

  private pushTail(s: StoredEvent): void {
    this.tail.push(s);
    if (this.tail.length > this.tailSize * 1.25) this.tail = this.tail.slice(-this.tailSize);
  }

  private dayFile(kind: 'events' | 'records'): string {
    return join(this.dir, `${kind}-${new Date(this.now()).toISOString().slice(0, 10)}.jsonl`);
  }

  private async handle(path: string): Promise<FileHandle> {
    let fh = this.handles.get(path);
    if (fh) return fh;
    const kind = basename(path).split('-')[0];
    for (const [p, old] of this.handles) {
      if (basename(p).split('-')[0] === kind) {
        this.handles.delete(p); // yesterday's file
        await old.close().catch(() => undefined);
      }
    }
    fh = await open(path, 'a');
    this.handles.set(path, fh);
    await this.syncDir(); // a new file's directory entry must be durable too
    return fh;
  }

  private async syncDir(): Promise<void> {
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  private async appendRaw(path: string, text: string): Promise<void> {
    const fh = await this.handle(path);
    await fh.write(text);
    await fh.datasync();
  }

  append(event: RunEvent): Promise<StoredEvent> {
    const refused = appendRefused({ closed: this.feed.closed, readOnly: this.mode !== 'write', where: this.dir });
    if (refused) return Promise.reject(refused);
    const stored: StoredEvent = { seq: ++this.assigned, event };
    const rec = applyEvent(this.active.get(event.runId) ?? this.finished.get(event.runId), event);
    this.active.set(event.runId, rec);
    const line = JSON.stringify({ c: stored.seq, e: event }) + '\n';
    return new Promise<StoredEvent>((resolve, reject) => {
      this.queue.push({ stored, line, ...(event.type === 'run.finished' ? { record: rec } : {}), resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.drain().finally(() => {
      this.writing = undefined;
      if (this.queue.length) this.kick(); // queued while drain was finishing
    });
  }

  /** Group commit: everything queued while the last fsync ran goes out in one write + one fsync. */
  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        // Both files sync at once (one journal commit on most file systems). Should the records
        // line be lost, the next open rebuilds it from the events, which are the truth.
        const recs = batch.filter((p) => p.record);
        await Promise.all([
          this.appendRaw(this.dayFile('events'), batch.map((p) => p.line).join('')),
          ...(recs.length ? [this.appendRaw(this.dayFile('records'), recs.map((p) => JSON.stringify({ r: p.record }) + '\n').join(''))] : []),
        ]);
      } catch (e) {
        const err = storeWriteError(this.dir, e);
        for (const p of batch) p.reject(err);
        continue;
      }
      this.feed.committed(batch, (p) => {
        this.committed = p.stored.seq;
        this.pushTail(p.stored);
        if (p.record) {
          this.finished.set(p.record.runId, p.record);
          this.active.delete(p.record.runId);
        }
      });
    }
  }

  async records(query: RecordQuery = {}): Promise<RunRecord[]> {
    const all = new Map<string, RunRecord>(this.finished);
    for (const [id, r] of this.orphans) all.set(id, r);
    for (const [id, r] of this.active) all.set(id, r);
    return selectRecords(all.values(), query);
  }

  async eventsSince(since: number, opts: { slot?: string; limit?: number } = {}): Promise<StoredEvent[]> {
    const limit = opts.limit ?? 10_000;
    const keep = (s: StoredEvent) => s.seq > since && s.seq <= this.committed && (opts.slot === undefined || s.event.slot === opts.slot);
    const out: StoredEvent[] = [];
    const first = this.tail[0];
    if (this.mode === 'write' && (since >= this.committed || (first && first.seq <= since + 1))) {
      for (const s of this.tail) {
        if (keep(s)) out.push(s);
        if (out.length >= limit) break;
      }
      return out;
    }
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => EVENTS_RE.test(n)).sort();
    for (const name of names) {
      const parsed = parseJsonLines(await readFile(join(this.dir, name), 'utf8'), isEventLine);
      for (const { c, e } of parsed.items) {
        const s = { seq: c, event: e };
        if (this.mode === 'read' ? s.seq > since && (opts.slot === undefined || e.slot === opts.slot) : keep(s)) out.push(s);
      }
    }
    out.sort((a, b) => a.seq - b.seq);
    return out.slice(0, limit);
  }

  head(): number {
    return this.committed;
  }

  subscribe(listener: (e: StoredEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  close(): Promise<void> {
    return this.feed.close(async () => {
      while (this.writing) await this.writing;
      for (const fh of this.handles.values()) await fh.close().catch(() => undefined);
      this.handles.clear();
    }, this.lock);
  }
}

/** Opens the file store; the default RecordStore of one host. */
export function openFileStore(dir: string, opts?: FileStoreOptions): Promise<FileRecordStore> {
  return FileRecordStore.open(dir, opts);
}
