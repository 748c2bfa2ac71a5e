/**
 * The simulator's one time source. Every time read and timer in src/sim goes through a SimClock
 * handed to the module (SimModuleOptions.clock), which passes it on to its nets, its UART, its
 * flash and the firmware it boots. The shape matches the host's Clock structurally, so a test hands
 * the same virtual clock to the host and to the simulated module without either importing the other.
 *
 * The simulator's timers model a chip that runs on its own: none of them may keep a process (or a
 * virtual clock's driver) alive, so every handle is unref'd where it is made (`unrefTimer`). Only a
 * wait somebody awaits (the binding's drain, like tcdrain) keeps its timer ref'd.
 */
export interface SimClock {
  /** True for a clock that only moves when the process is idle (tests); time reads are then exact. */
  readonly virtual?: boolean;
  /** Monotonic milliseconds. The real clock uses the host's hrtime base, so edge times compare across the two. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(timer: unknown): void;
}

/** Calls `unref()` on a timer handle that has one (Node's, a virtual clock's) and returns it. */
export function unrefTimer<T>(timer: T): T {
  (timer as { unref?: () => unknown } | null | undefined)?.unref?.();
  return timer;
}

/** The machine's time: process.hrtime in ms (the host's real clock reads the same), Node timers. */
export const realSimClock: SimClock = {
  virtual: false,
  now: () => Number(process.hrtime.bigint()) / 1e6,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t as NodeJS.Timeout),
};

/** A timer on `clock` that never keeps anything alive by itself. */
export function simTimeout(clock: SimClock, fn: () => void, ms: number): unknown {
  return unrefTimer(clock.setTimeout(fn, ms));
}

/** An interval on `clock` that never keeps anything alive by itself. */
export function simInterval(clock: SimClock, fn: () => void, ms: number): unknown {
  return unrefTimer(clock.setInterval(fn, ms));
}

/** Edge timestamps (Edge.tNs) from a clock's milliseconds. */
export function clockNs(clock: SimClock): bigint {
  return BigInt(Math.round(clock.now() * 1e6));
}
