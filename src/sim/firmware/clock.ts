/**
 * Where the simulated firmware gets its time and timers. The default is performance.now() with
 * unref'd Node timers (the same time base as the module's PadNets); tests inject a ManualClock
 * and advance it, so a 5 s boot sequence runs in microseconds and pulse counts are exact.
 */
export interface SimClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: SimClock = {
  now: () => performance.now(),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface ManualTimer {
  id: number;
  due: number;
  every: number | null;
  fn: () => void;
}

/** A clock that only moves when told; timers fire in time order during advance(). */
export class ManualClock implements SimClock {
  private t: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(startMs = 1000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setInterval(fn: () => void, ms: number): unknown {
    return this.add(fn, ms, Math.max(1, ms));
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.add(fn, ms, null);
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by ms, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let guard = 0; guard < 10_000_000; guard++) {
      let next: ManualTimer | undefined;
      for (const tm of this.timers.values()) if (tm.due <= end && (!next || tm.due < next.due || (tm.due === next.due && tm.id < next.id))) next = tm;
      if (!next) break;
      this.t = Math.max(this.t, next.due);
      if (next.every === null) this.timers.delete(next.id);
      else next.due += next.every;
      next.fn();
    }
    this.t = end;
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  private add(fn: () => void, ms: number, every: number | null): number {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.t + Math.max(0, ms), every, fn });
    return id;
  }
}
