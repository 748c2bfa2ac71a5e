/**
 * Forwards a station's committed events from its local store to a fleet target (the PostgreSQL
 * store, the MQTT broker), in order, surviving the target's absence (DESIGN.md, "Beyond one host").
 *
 * The station never waits for the target: it commits locally as always. The forwarder tails the
 * local store from a cursor (eventsSince), hands a page to the target, and only once the target has
 * confirmed it (COMMIT, PUBACK) moves the cursor and persists it (write + rename, so a crash leaves
 * the old or the new cursor, never half of one). When the target fails, it waits (bounded, doubling
 * backoff) and retries the same page. After a crash the last page may be delivered again, so targets
 * are idempotent by (run id, run-local seq): the PostgreSQL store stores it once, MQTT consumers see
 * the same ids.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Clock, type ClockTimer, realClock } from '../../core/clock.js';
import type { RecordStore, StoredEvent } from './types.js';

export interface ForwardTarget {
  /** For status and file names: "postgres", "mqtt". */
  readonly name: string;
  /** Delivers a page durably, in order; resolves once the far end has it, rejects to be retried. */
  deliver(events: readonly StoredEvent[]): Promise<void>;
  close?(): Promise<void>;
}

export interface ForwarderOptions {
  source: RecordStore;
  target: ForwardTarget;
  /** Where the cursor (last local seq delivered) persists, e.g. <store>/forward-postgres.json. */
  cursorFile: string;
  /** Backoff and retry timing. Default realClock. */
  clock?: Clock;
  /** Events per delivery. Default 200. */
  pageSize?: number;
  /** First and longest wait after a failed delivery (ms). Default 500 and 30 000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ForwarderStatus {
  target: string;
  cursor: number;
  /** Local events not yet delivered. */
  behind: number;
  /** The last delivery's error, cleared by the next success. */
  lastError?: string;
  failures: number;
}

/** The persisted cursor: the local seq last delivered, and which event that was (run id, run seq). */
export interface Cursor {
  cursor: number;
  runId?: string;
  runSeq?: number;
}

export function readCursor(file: string): Cursor {
  if (!existsSync(file)) return { cursor: 0 };
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<Cursor>;
    if (typeof v.cursor !== 'number' || !Number.isFinite(v.cursor) || v.cursor < 0) return { cursor: 0 };
    return { cursor: v.cursor, ...(typeof v.runId === 'string' ? { runId: v.runId } : {}), ...(typeof v.runSeq === 'number' ? { runSeq: v.runSeq } : {}) };
  } catch {
    return { cursor: 0 }; // unreadable: start over; the targets are idempotent
  }
}

export class Forwarder {
  private cursor: number;
  /** The cursor file as read; checked against the local store before the first delivery. */
  private readonly saved: Cursor;
  private checked = false;
  private readonly clock: Clock;
  private closed = false;
  private wake: (() => void) | undefined;
  private waitTimer: ClockTimer | undefined;
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastError: string | undefined;
  private failures = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: ForwarderOptions) {
    this.clock = o.clock ?? realClock;
    this.saved = readCursor(o.cursorFile);
    this.cursor = this.saved.cursor;
  }

  start(): this {
    if (this.loop) return this;
    this.unsubscribe = this.o.source.subscribe(() => this.poke());
    this.loop = this.run();
    return this;
  }

  status(): ForwarderStatus {
    return {
      target: this.o.target.name,
      cursor: this.cursor,
      behind: Math.max(0, this.o.source.head() - this.cursor),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      failures: this.failures,
    };
  }

  /** Resolves once everything the local store had committed when called has been delivered. */
  drained(): Promise<void> {
    if (this.checked && this.cursor >= this.o.source.head()) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.poke();
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Waits for a poke (new local event) or `ms`, whichever is first. */
  private pause(ms: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        if (this.waitTimer !== undefined) this.clock.clearTimeout(this.waitTimer);
        this.waitTimer = undefined;
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      // Unref'd: a forwarder waiting for its target never keeps a process (or a virtual clock) going.
      if (ms !== undefined) {
        this.waitTimer = this.clock.setTimeout(done, ms);
        this.waitTimer.unref();
      }
    });
  }

  private async run(): Promise<void> {
    const min = this.o.minBackoffMs ?? 500;
    const max = this.o.maxBackoffMs ?? 30_000;
    let backoff = min;
    while (!this.closed) {
      let page: StoredEvent[];
      try {
        if (!this.checked) await this.checkCursor();
        page = await this.o.source.eventsSince(this.cursor, { limit: this.o.pageSize ?? 200 });
      } catch (e) {
        this.lastError = `local store: ${(e as Error).message}`;
        await this.pause(backoff);
        continue;
      }
      if (this.closed) break;
      if (page.length === 0) {
        for (const w of this.idleWaiters.splice(0)) w();
        await this.pause(undefined);
        continue;
      }
      try {
        await this.o.target.deliver(page);
      } catch (e) {
        this.failures += 1;
        this.lastError = (e as Error).message;
        // Retry the same page later; a poke (new local event) does not hurry a target that is away.
        const wait = backoff;
        backoff = Math.min(max, backoff * 2);
        await new Promise<void>((resolve) => {
          this.waitTimer = this.clock.setTimeout(() => {
            this.waitTimer = undefined;
            resolve();
          }, wait);
          this.waitTimer.unref();
          this.wake = () => {
            if (this.closed) {
              if (this.waitTimer !== undefined) this.clock.clearTimeout(this.waitTimer);
              this.waitTimer = undefined;
              resolve();
            }
          };
        });
        continue;
      }
      backoff = min;
      this.lastError = undefined;
      const last = page[page.length - 1]!;
      this.cursor = last.seq;
      await this.saveCursor(last);
    }
  }

  /**
   * A cursor names a seq of one local store. If the store at that seq holds another event (the store
   * was replaced, e.g. moved to another engine), forwarding starts over from 0: the targets drop what
   * they already have, where skipping would lose events for good.
   */
  private async checkCursor(): Promise<void> {
    const { cursor, runId, runSeq } = this.saved;
    if (cursor > 0) {
      const [at] = await this.o.source.eventsSince(cursor - 1, { limit: 1 });
      const same = at !== undefined && at.seq === cursor && (runId === undefined || (at.event.runId === runId && at.event.seq === runSeq));
      if (!same) {
        this.cursor = 0;
        this.lastError = `the cursor (${cursor}) does not match the local store; forwarding everything again`;
      }
    }
    this.checked = true;
  }

  private async saveCursor(last: StoredEvent): Promise<void> {
    const file = this.o.cursorFile;
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    const c: Cursor & { target: string } = { cursor: this.cursor, runId: last.event.runId, runSeq: last.event.seq, target: this.o.target.name };
    await writeFile(tmp, `${JSON.stringify(c)}\n`);
    await rename(tmp, file);
  }

  /** Stops after the delivery in flight (if any); undelivered events wait in the local store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    const w = this.wake;
    this.wake = undefined;
    if (this.waitTimer !== undefined) this.clock.clearTimeout(this.waitTimer);
    w?.();
    await this.loop;
    for (const r of this.idleWaiters.splice(0)) r();
    await this.o.target.close?.();
  }
}

/**
 * A record store as a forward target, opened on first use (a station starts while its database is
 * away) and again after a failed open. The store must be idempotent by (run id, run seq), as the
 * PostgreSQL store is.
 */
export function storeTarget(name: string, open: () => Promise<RecordStore>): ForwardTarget & { store(): RecordStore | undefined } {
  let store: RecordStore | undefined;
  let opening: Promise<RecordStore> | undefined;
  return {
    name,
    store: () => store,
    async deliver(events) {
      if (!store) {
        opening ??= open().finally(() => {
          opening = undefined;
        });
        store = await opening;
      }
      const s = store;
      await Promise.all(events.map((e) => s.append(e.event)));
    },
    async close() {
      await opening?.catch(() => undefined);
      await store?.close();
    },
  };
}
