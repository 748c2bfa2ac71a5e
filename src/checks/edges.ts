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
  waitFor(pred: (e: Edge) => boolean, timeoutMs: number, signal?: AbortSignal, count = 1): Promise<Edge | undefined> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hits = this.edges.filter(pred);
        if (hits.length >= count) {
          done();
          resolve(hits[count - 1]);
          return true;
        }
        return false;
      };
      const onAbort = () => {
        done();
        reject(new AbortedError(`waiting for an edge on ${this.line.name}`));
      };
      const timer = this.clock.setTimeout(
        () => {
          done();
          resolve(undefined);
        },
        Math.max(0, timeoutMs),
      );
      const waiter = () => void check();
      const done = () => {
        this.clock.clearTimeout(timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      check();
    });
  }

  close(): void {
    this.unsubscribe();
    this.waiters.clear();
  }
}

export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;
