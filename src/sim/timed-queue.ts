/**
 * Runs callbacks at absolute times on a SimClock, in order, with one timer at a time.
 * Times come from a wire clock that never accumulates timer lateness: a late timer delivers late,
 * but the next due time is still computed from the previous due time, not from when we woke up.
 */
import { realSimClock, simTimeout, type SimClock } from './clock.js';

/**
 * Real timers wake up to ~1 ms late. A round trip crosses several queues, so that lateness would
 * add up to milliseconds per command that a real chip does not have: on the real clock a timer is
 * set `LEAD_MS` before the due time and the last stretch is waited out with setImmediate (the event
 * loop stays free; it costs a little CPU). A virtual clock fires its timers exactly on time, so
 * there the queue sets one timer for the due time and nothing else.
 */
const LEAD_MS = 1.5;
/** How early (real clock) an item may run: below the resolution anyone measures. */
const EARLY_TOLERANCE_MS = 0.05;
/** Virtual time is exact up to float rounding of due − now + now: 1 ns absorbs that. */
const VIRTUAL_TOLERANCE_MS = 1e-6;

export class TimedQueue {
  private items: { dueMs: number; run: () => void }[] = [];
  private timer: unknown;
  private immediate: NodeJS.Immediate | undefined;

  constructor(private readonly clock: SimClock = realSimClock) {}

  push(dueMs: number, run: () => void): void {
    // Items arrive in due order from each wire; keep the queue sorted anyway (a chip reset can
    // move a wire's clock back).
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.dueMs > dueMs) i--;
    this.items.splice(i, 0, { dueMs, run });
    if (i === 0) this.rearm();
    else this.arm();
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
    this.disarm();
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private rearm(): void {
    this.disarm();
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || this.immediate || this.items.length === 0) return;
    const wait = this.items[0]!.dueMs - this.clock.now();
    if (this.clock.virtual) {
      this.timer = simTimeout(this.clock, this.onTimer, Math.max(0, wait));
    } else if (wait <= LEAD_MS) {
      // Not unref'd: Node lets the event loop block in its poll phase while only unref'd immediates
      // are pending, which would turn this ≤ LEAD_MS spin into a wait for the next unrelated timer.
      // It keeps the process alive for at most LEAD_MS.
      this.immediate = setImmediate(this.onImmediate);
    } else {
      this.timer = simTimeout(this.clock, this.onTimer, wait - LEAD_MS);
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.fire();
  };

  private readonly onImmediate = (): void => {
    this.immediate = undefined;
    this.fire();
  };

  private fire(): void {
    const limit = this.clock.now() + (this.clock.virtual ? VIRTUAL_TOLERANCE_MS : EARLY_TOLERANCE_MS);
    for (let guard = this.items.length; guard > 0 && this.items.length > 0 && this.items[0]!.dueMs <= limit; guard--) {
      const item = this.items.shift()!;
      item.run();
    }
    this.arm();
  }
}

/**
 * Resolves once `clock` has reached `dueMs`. Somebody awaits this (the binding's drain), so unlike
 * the simulator's own timers it keeps its timer ref'd: a virtual clock moves on for it. On the real
 * clock a timer covers most of the wait (libuv timers have millisecond resolution and may fire early
 * or late) and setImmediate the last stretch.
 */
export function sleepUntil(clock: SimClock, dueMs: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      const left = dueMs - clock.now();
      if (left <= (clock.virtual ? VIRTUAL_TOLERANCE_MS : 0)) resolve();
      else if (clock.virtual) clock.setTimeout(check, left);
      else if (left > LEAD_MS) clock.setTimeout(check, left - LEAD_MS);
      else setImmediate(check);
    };
    check();
  });
}
