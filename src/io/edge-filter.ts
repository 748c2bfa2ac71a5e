/**
 * Turns raw level changes into reported edges: drops repeats (sysfs collapses edges, so the same level
 * can be seen twice) and, with a debounce, reports a level only once it stayed for debounceMs —
 * stamped with the time of the raw edge that started it, so chatter does not shift timings.
 */
import { realClock, type Clock } from '../core/clock.js';
import type { Edge, Level } from './types.js';

/** The part of a Clock the debounce needs (a core Clock is one). */
export type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

export interface EdgeFilter {
  feed(edge: Edge): void;
  /** Drops a pending (not yet stable) edge and its timer. */
  cancel(): void;
}

export function createEdgeFilter(initial: Level, debounceMs: number, emit: (e: Edge) => void, timers: Timers = realClock): EdgeFilter {
  let reported: Level = initial;
  let pending: Edge | undefined;
  let timer: unknown;
  const stopTimer = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
  };
  return {
    feed(edge) {
      if (!(debounceMs > 0)) {
        if (edge.level !== reported) {
          reported = edge.level;
          emit(edge);
        }
        return;
      }
      stopTimer();
      if (edge.level === reported) {
        pending = undefined; // bounced back before it settled
        return;
      }
      if (!pending || pending.level !== edge.level) pending = edge;
      timer = timers.setTimeout(() => {
        timer = undefined;
        const settled = pending;
        pending = undefined;
        if (!settled) return;
        reported = settled.level;
        emit(settled);
      }, debounceMs);
    },
    cancel() {
      stopTimer();
      pending = undefined;
    },
  };
}

/** The timestamp of every edge: the clock's monotonic ns (realClock: process.hrtime, as before). */
export const nowNs = (clock: Pick<Clock, 'nowNs'> = realClock): bigint => clock.nowNs();
