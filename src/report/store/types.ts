/**
 * Where records and events live. The file store is the default; a fleet can put the same interface
 * in front of a database server (DESIGN.md, "Beyond one host") without touching the runner or hub.
 */
import type { RunRecord } from '../../core/record.js';
import type { RunEvent, RunOutcome } from '../../core/run-types.js';

/** An event with its position in the store's stream: `seq` is global and monotonic across runs. */
export interface StoredEvent {
  seq: number;
  event: RunEvent;
}

export interface RecordQuery {
  /** Any spelling: "C8:47:8C:00:00:01", "c8478c000001". */
  mac?: string;
  /** Runs started at or after this wall-clock ms. */
  since?: number;
  until?: number;
  /** FAILED: FAIL or ERROR, the runs the page's "failed today" counts. */
  outcome?: RunOutcome | 'FAILED' | 'UNFINISHED' | 'RUNNING';
  slot?: string;
  runId?: string;
  /** Newest first, at most this many. */
  limit?: number;
}

export interface RecordStore {
  /**
   * Appends an event durably; resolves once it is on disk (or committed). A `run.finished` event
   * also commits the run's record. Subscribers hear of it only after that.
   */
  append(event: RunEvent): Promise<StoredEvent>;
  /** Records matching the query, newest first. Runs still going are included with status 'running'. */
  records(query?: RecordQuery): Promise<RunRecord[]>;
  /** Stored events with seq > since, oldest first, optionally for one slot; at most `limit`. */
  eventsSince(since: number, opts?: { slot?: string; limit?: number }): Promise<StoredEvent[]>;
  /** Seq of the newest committed event (0 when empty). */
  head(): number;
  /** Live feed of committed events, in seq order. Returns an unsubscribe function. */
  subscribe(listener: (e: StoredEvent) => void): () => void;
  close(): Promise<void>;
}
