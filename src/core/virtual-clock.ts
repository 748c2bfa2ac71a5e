/**
 * A clock for tests and the simulated rig: time stands still while the process has work to do and
 * jumps to the next timer when it has none, so a 60 s unit plan costs only its CPU time and runs the
 * same on a quiet and on a loaded machine.
 *
 * "Nothing to do" is judged from outside the code under test, so that no component needs to know:
 * - several event-loop turns in a row ran no callback of ours (a loopback HTTP round trip, request
 *   to response, takes three turns in-process; IDLE_TURNS leaves a margin), and
 * - no real I/O request is in flight (file system, DNS, connect, socket writes), read from
 *   process.getActiveResourcesInfo(), so an fsync or a slow disk never lets virtual time run ahead.
 * Code that waits on real work the two signs cannot see takes a hold().
 *
 * Like Node's timers, a timer keeps the clock running only while it is ref'd: the simulated module's
 * perpetual ticks are unref'd, so the driver stops (and the process may exit) when only they remain.
 */
import type { Clock, ClockTimer } from './clock.js';

/** Event-loop turns without activity before time jumps to the next timer. */
export const IDLE_TURNS = 6;

/** Requests (not handles) whose presence means real I/O is in flight. */
const REAL_IO = new Set([
  'FSReqCallback',
  'CloseReq',
  'FSReqPromise',
  'FileHandleCloseReq',
  'GetAddrInfoReqWrap',
  'GetNameInfoReqWrap',
  'QueryReqWrap',
  'TCPConnectWrap',
  'PipeConnectWrap',
  'ShutdownWrap',
  'WriteWrap',
  'ZlibWrap',
  'SendWrap',
]);

function realIoInFlight(): boolean {
  for (const r of process.getActiveResourcesInfo()) if (REAL_IO.has(r)) return true;
  return false;
}

class VirtualTimer implements ClockTimer {
  refed = true;
  constructor(
    readonly id: number,
    public due: number,
    readonly every: number | null,
    readonly fn: () => void,
    private readonly owner: VirtualClock,
  ) {}
  unref(): this {
    this.refed = false;
    return this;
  }
  ref(): this {
    this.refed = true;
    this.owner.wake();
    return this;
  }
  hasRef(): boolean {
    return this.refed;
  }
}

export interface VirtualClockOptions {
  /** Start of monotonic time, ms. Default 1000. */
  startMs?: number;
  /** Wall-clock time at startMs (ms since the epoch). Default: the real time when the clock is made. */
  wallStartMs?: number;
  /** false: time moves only through advance() (pure tests). Default true. */
  autoAdvance?: boolean;
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private t: number;
  private readonly t0: number;
  private readonly wall0: number;
  private nextId = 1;
  private readonly timers = new Map<number, VirtualTimer>();
  private readonly auto: boolean;
  private driving = false;
  private idleTurns = 0;
  private holds = 0;
  private activity = 0;
  private seenActivity = 0;
  private stopped = false;

  constructor(opts: VirtualClockOptions = {}) {
    this.t = this.t0 = opts.startMs ?? 1000;
    this.wall0 = opts.wallStartMs ?? Date.now();
    this.auto = opts.autoAdvance ?? true;
  }

  now(): number {
    return this.t;
  }

  nowNs(): bigint {
    return BigInt(Math.round(this.t * 1e6));
  }

  wallNow(): number {
    return Math.round(this.wall0 + (this.t - this.t0));
  }

  setTimeout(fn: () => void, ms: number): VirtualTimer {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): VirtualTimer {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(timer: unknown): void {
    if (timer instanceof VirtualTimer && this.timers.get(timer.id) === timer) this.timers.delete(timer.id);
  }

  clearInterval(timer: unknown): void {
    this.clearTimeout(timer);
  }

  /**
   * Holds time still until the returned release is called: for waits on real work that leaves no
   * trace in the event loop's request list. Release is idempotent.
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.activity++;
      this.wake();
    };
  }

  /** Tells the driver that something happened, so it waits its idle turns again before jumping. */
  touch(): void {
    this.activity++;
  }

  /** Timers pending (ref'd and not). */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in time order (ties in the order
   * they were set). For clocks without autoAdvance, and for tests that want to step by hand.
   */
  advance(ms: number): void {
    const end = this.t + Math.max(0, ms);
    for (let guard = 0; guard < 50_000_000; guard++) {
      const next = this.earliest(false);
      if (!next || next.due > end) break;
      this.fire(next);
    }
    this.t = end;
  }

  /** Stops the driver for good (a test's clean-up): pending timers never fire. */
  stop(): void {
    this.stopped = true;
    this.timers.clear();
  }

  /** @internal: a ref'd timer appeared; make sure the driver runs. */
  wake(): void {
    if (!this.auto || this.driving || this.stopped) return;
    if (!this.earliest(true)) return;
    this.driving = true;
    this.idleTurns = 0;
    setImmediate(this.step);
  }

  private readonly step = (): void => {
    if (this.stopped || !this.earliest(true)) {
      this.driving = false;
      return;
    }
    if (this.holds > 0 || realIoInFlight()) {
      this.idleTurns = 0;
      setTimeout(this.step, 1);
      return;
    }
    if (this.activity !== this.seenActivity) {
      this.seenActivity = this.activity;
      this.idleTurns = 0;
    }
    const next = this.earliest(false)!;
    // A timer already due costs no jump in time: it fires once the last callback's promises have
    // settled (one turn). Jumping ahead waits until the process has been idle for IDLE_TURNS.
    if (next.due > this.t && ++this.idleTurns < IDLE_TURNS) {
      setImmediate(this.step);
      return;
    }
    this.idleTurns = 0;
    this.fire(next);
    setImmediate(this.step);
  };

  private fire(timer: VirtualTimer): void {
    this.t = Math.max(this.t, timer.due);
    if (timer.every === null) this.timers.delete(timer.id);
    else timer.due += timer.every;
    this.activity++;
    timer.fn();
  }

  /** The next timer to fire; with refOnly, undefined when no ref'd timer is pending. */
  private earliest(refOnly: boolean): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    let anyRef = false;
    for (const tm of this.timers.values()) {
      if (tm.refed) anyRef = true;
      if (!best || tm.due < best.due || (tm.due === best.due && tm.id < best.id)) best = tm;
    }
    return refOnly && !anyRef ? undefined : best;
  }

  private add(fn: () => void, ms: number, every: number | null): VirtualTimer {
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : 0;
    const timer = new VirtualTimer(this.nextId++, this.t + delay, every, fn, this);
    this.timers.set(timer.id, timer);
    this.activity++;
    this.wake();
    return timer;
  }
}
