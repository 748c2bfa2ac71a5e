/**
 * Records the edges of an input line from the moment a step starts, so a change that happens
 * before we begin waiting is never missed. Every wait has a deadline and honours the AbortSignal.
 */
import { realClock, type Clock } from '../core/clock.js';
import { AbortedError } from '../core/errors.js';
import type { Edge, InputLine, Level } from '../io/types.js';

export class EdgeRecorder {
  readonly edges: Edge[] = [];
  private readonly unsubscribe: () => void;
  private waiters = new Set<() => void>();

  readonly clock: Clock;

  /** `clock` runs the waits' deadlines; it must be the clock the line stamps its edges with (the rig's). */
  constructor(
    readonly line: InputLine,
    opts: { clock?: Clock; debounceMs?: number } = {},
  ) {
    this.clock = opts.clock ?? realClock;
    const debounceMs = opts.debounceMs;
    this.unsubscribe = line.watch((e) => {
      this.edges.push(e);
      for (const w of [...this.waiters]) w();
    }, debounceMs);
  }

  /** Edges at or after a host time (ns). */
  since(tNs: bigint): Edge[] {
    return this.edges.filter((e) => e.tNs >= tNs);
  }

  /**
   * The first edge to `level` at or after `afterNs`, waiting up to timeoutMs.
   * Resolves undefined on timeout; rejects with E_ABORTED on abort.
   */
  waitForLevel(level: Level, afterNs: bigint, timeoutMs: number, signal?: AbortSignal): Promise<Edge | undefined> {
    return this.waitFor((e) => e.level === level && e.tNs >= afterNs, timeoutMs, signal);
  }

  /** Resolves once `count` edges satisfy the predicate (returns the last), or undefined on timeout. */
  async waitFor(pred: (e: Edge) => boolean, timeoutMs: number, signal?: AbortSignal, count = 1): Promise<Edge | undefined> {
    const hits = () => this.edges.filter(pred);
    const met = await waitUntil(this.clock, this.waiters, () => hits().length >= count, timeoutMs, `waiting for an edge on ${this.line.name}`, signal);
    // Edges are only appended, so the count-th hit is still the one that met the condition.
    return met ? hits()[count - 1] : undefined;
  }

  close(): void {
    this.unsubscribe();
    this.waiters.clear();
  }
}

/**
 * Resolves true once `met()` holds, asked now and each time the owner calls its `waiters`; false at
 * the deadline on `clock`; rejects with E_ABORTED (`what`) when `signal` fires. Leaves no waiter,
 * timer or listener behind.
 */
export function waitUntil(clock: Clock, waiters: Set<() => void>, met: () => boolean, timeoutMs: number, what: string, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clock.clearTimeout(timer);
      waiters.delete(check);
      signal?.removeEventListener('abort', onAbort);
    };
    const finish = (ok: boolean) => {
      cleanup();
      resolve(ok);
    };
    const check = () => {
      if (met()) finish(true);
    };
    const onAbort = () => {
      cleanup();
      reject(new AbortedError(what));
    };
    const timer = clock.setTimeout(() => finish(false), Math.max(0, timeoutMs));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    waiters.add(check);
    check();
  });
}

export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;
