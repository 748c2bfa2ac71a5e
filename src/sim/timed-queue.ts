/**
 * Runs callbacks at absolute times (performance.now() ms), in order, with one timer at a time.
 * Times come from a wire clock that never accumulates timer lateness: a late timer delivers late,
 * but the next due time is still computed from the previous due time, not from when we woke up.
 */
export class TimedQueue {
  private items: { dueMs: number; run: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  /**
   * Timers wake up to ~1 ms late. A round trip
   * crosses several queues, so that lateness would add up to milliseconds per command that a real
   * chip does not have: the timer is set `leadMs` before the due time and the last stretch is
   * waited out with setImmediate (the event loop stays free; it costs a little CPU).
   */
  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly earlyToleranceMs = 0.05,
    private readonly leadMs = 1.5,
  ) {}

  push(dueMs: number, run: () => void): void {
    this.items.push({ dueMs, run });
    this.arm();
  }

  /** Drops the queued callbacks for which `drop` returns true. */
  remove(drop: (dueMs: number) => boolean): void {
    this.items = this.items.filter((i) => !drop(i.dueMs));
  }

  get pending(): number {
    return this.items.length;
  }

  clear(): void {
    this.items = [];
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private arm(): void {
    if (this.timer || this.immediate || this.items.length === 0) return;
    const wait = this.items[0]!.dueMs - this.now();
    if (wait <= this.leadMs) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.fire();
      });
    } else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.fire();
      }, wait - this.leadMs);
    }
  }

  private fire(): void {
    const limit = this.now() + this.earlyToleranceMs;
    while (this.items.length > 0 && this.items[0]!.dueMs <= limit) {
      const item = this.items.shift()!;
      item.run();
    }
    this.arm();
  }
}

/**
 * Resolves once performance.now() has reached `dueMs`: a timer for most of the wait (libuv timers
 * have millisecond resolution and may fire early or late), setImmediate for the last stretch.
 */
export function sleepUntil(dueMs: number, leadMs = 1.5): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      const left = dueMs - performance.now();
      if (left <= 0) resolve();
      else if (left > leadMs) setTimeout(check, left - leadMs);
      else setImmediate(check);
    };
    check();
  });
}
