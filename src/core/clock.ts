/**
 * The one time source of the host side (DESIGN.md, "One clock"). Every wait, deadline and timestamp
 * goes through a Clock handed down from where the rig or the runner is created: production uses
 * `realClock`, tests one `VirtualClock` shared with the simulated module, so a whole unit plan runs
 * in virtual time. The timer methods have the shape of Node's (and of the simulator's own clock
 * interface), so one object can serve both sides without either importing the other.
 */
import { AbortedError } from './errors.js';

/** A timer as the clock returns it; `unref()` lets the process (or a virtual clock's driver) stop while it is pending. */
export interface ClockTimer {
  unref(): unknown;
}

export interface Clock {
  /** True for a clock that only moves when the process has nothing else to do (tests). */
  readonly virtual: boolean;
  /** Monotonic milliseconds from an arbitrary origin; the same base as nowNs(). */
  now(): number;
  /** Monotonic nanoseconds: the time base of input edges (Edge.tNs). */
  nowNs(): bigint;
  /** Wall-clock time (ms since the epoch) for events and records. */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(timer: unknown): void;
  setInterval(fn: () => void, ms: number): ClockTimer;
  clearInterval(timer: unknown): void;
}

/** Resolves after `ms` on `clock`; rejects with E_ABORTED as soon as `signal` fires. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal, what = 'wait'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(what));
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(new AbortedError(what));
    };
    const timer = clock.setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortSignal that fires after `ms` on `clock` (AbortSignal.timeout, but on the injected clock). */
export function timeoutSignal(clock: Clock, ms: number, reason = `timed out after ${ms} ms`): { signal: AbortSignal; cancel: () => void } {
  const ac = new AbortController();
  const timer = clock.setTimeout(() => ac.abort(new Error(reason)), Math.max(0, ms));
  return { signal: ac.signal, cancel: () => clock.clearTimeout(timer) };
}

/**
 * Races `work` against a deadline on `clock`. The deadline's rejection comes from `onTimeout`; the
 * timer is cleared either way.
 */
export async function withDeadline<T>(clock: Clock, ms: number, work: Promise<T>, onTimeout: () => Error): Promise<T> {
  let timer: unknown;
  const deadline = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(onTimeout()), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clock.clearTimeout(timer);
  }
}

const hrNowNs = (): bigint => process.hrtime.bigint();

/** The machine's clocks: hrtime for now()/nowNs() (the base onoff edges use), Date.now() for the wall. */
export const realClock: Clock = {
  virtual: false,
  now: () => Number(hrNowNs()) / 1e6,
  nowNs: hrNowNs,
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t as NodeJS.Timeout),
};
