/**
 * One attempt of one phase: a deadline, the run's abort signal, and a context that goes inert once
 * the attempt is over (a phase abandoned after its deadline cannot write into the run any more).
 */
import type { Clock } from '../core/clock.js';
import { AbortedError, isPhaseFailure, isPlugrigError, PlugrigError } from '../core/errors.js';
import type { UnitResources } from '../core/resources.js';
import { measurement as judged } from '../core/measurement.js';
import type { ErrorInfo, Measurement, Phase, PhaseContext, ProgressInfo, RunEventBody, UnitIdentity } from '../core/run-types.js';
import { normalizeMac } from '../core/mac.js';

export type AttemptResult =
  | { kind: 'PASS' }
  | { kind: 'FAIL'; error?: ErrorInfo }
  | { kind: 'SKIP'; reason: string }
  | { kind: 'ABORTED' }
  | { kind: 'ERROR'; error: ErrorInfo; retryable: boolean };

/** Thrown by ctx.skip(); recognised by identity so a phase's own errors never look like a skip. */
class SkipSignal extends Error {
  /** A brand other layers can test for (the plan API passes skips through untouched). */
  readonly skipsPhase = true;
  constructor(readonly reason: string) {
    super(`skipped: ${reason}`);
  }
}

export function errorInfo(e: unknown): ErrorInfo {
  if (isPlugrigError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 'E_PHASE_CRASHED', message: `unexpected error: ${msg}`, hint: 'this is a bug in the phase; the log has details' };
}

/** Retrying cannot fix bad input (a wrong argument, an invalid or missing file). */
export function isRetryable(code: string): boolean {
  return !(code === 'E_USAGE' || code === 'E_ABORTED' || /_INVALID$|_NOT_FOUND$/.test(code));
}

export interface AttemptHooks {
  emit(body: RunEventBody): void;
  /** Min ms between two progress events of a phase (the last one, done = total, always goes out). */
  progressIntervalMs: number;
  /** Deadlines, progress rates and the phase's ctx.clock. */
  clock: Clock;
  /** What the rig owns, handed to every phase. */
  resources: UnitResources;
}

/** Fills in speed and ETA for byte progress when the phase did not say. Pure. */
export function withRate(p: ProgressInfo, first: { atMs: number; done: number } | undefined, nowMs: number): ProgressInfo {
  if (p.bytesPerSec !== undefined || !first || p.unit === 'steps') return p;
  const dt = nowMs - first.atMs;
  const dd = p.done - first.done;
  if (dt <= 0 || dd <= 0) return p;
  const bytesPerSec = (dd * 1000) / dt;
  return { ...p, bytesPerSec: Math.round(bytesPerSec), etaMs: p.etaMs ?? Math.round(((p.total - p.done) * 1000) / bytesPerSec) };
}

/**
 * Runs `fn` (the phase body or its beforeRetry) against a deadline and the run's signal.
 * Resolves when the body settles, the deadline passes or the run is aborted — whichever is first.
 */
export async function runAttempt(
  phase: Phase,
  attempt: number,
  runSignal: AbortSignal,
  hooks: AttemptHooks,
  body: (ctx: PhaseContext) => Promise<void>,
  what: 'run' | 'beforeRetry' = 'run',
): Promise<AttemptResult> {
  if (runSignal.aborted) return { kind: 'ABORTED' };
  const controller = new AbortController();
  let live = true;
  let failed = false;
  let firstProgress: { atMs: number; done: number } | undefined;
  let lastProgressAt = -Infinity;
  const emit = (b: RunEventBody) => {
    if (live) hooks.emit(b);
  };
  const ctx: PhaseContext = {
    signal: controller.signal,
    phase: phase.name,
    attempt,
    clock: hooks.clock,
    resources: hooks.resources,
    measure(input): Measurement {
      const m = judged(input);
      if (live) {
        if (m.verdict === 'FAIL') failed = true;
        emit({ type: 'measurement', phase: phase.name, measurement: m });
      }
      return m;
    },
    progress(p) {
      const now = hooks.clock.now();
      if (!firstProgress) firstProgress = { atMs: now, done: p.done };
      const final = p.done >= p.total;
      if (!final && now - lastProgressAt < hooks.progressIntervalMs) return;
      lastProgressAt = now;
      emit({ type: 'phase.progress', phase: phase.name, progress: withRate(p, firstProgress, now) });
    },
    log(message, level = 'info') {
      emit({ type: 'log', level, message, phase: phase.name });
    },
    identify(unit: UnitIdentity) {
      // One MAC form in every record, whichever way the phase read it (chip TLV or /api/info).
      const mac = unit.mac === undefined ? undefined : (normalizeMac(unit.mac) ?? unit.mac);
      emit({ type: 'unit.identified', unit: mac === undefined ? unit : { ...unit, mac } });
    },
    artifact(kind, path, sha256) {
      emit({ type: 'artifact', phase: phase.name, kind, path, ...(sha256 ? { sha256 } : {}) });
    },
    skip(reason: string): never {
      throw new SkipSignal(reason);
    },
  };

  let timer: unknown;
  let onRunAbort: (() => void) | undefined;
  const timeout = new Promise<AttemptResult>((resolve) => {
    timer = hooks.clock.setTimeout(() => {
      const err = new PlugrigError(
        'E_PHASE_TIMEOUT',
        `phase ${phase.name}${what === 'beforeRetry' ? ' (before retry)' : ''} did not finish within ${phase.timeoutMs} ms (attempt ${attempt})`,
        'the unit or the rig stopped answering; check wiring and power, or raise the phase timeout',
      );
      controller.abort(err);
      resolve({ kind: 'ERROR', error: errorInfo(err), retryable: true });
    }, phase.timeoutMs);
  });
  const aborted = new Promise<AttemptResult>((resolve) => {
    onRunAbort = () => {
      controller.abort(runSignal.reason ?? new AbortedError(`phase ${phase.name}`));
      resolve({ kind: 'ABORTED' });
    };
    runSignal.addEventListener('abort', onRunAbort, { once: true });
  });
  const work = (async (): Promise<AttemptResult> => {
    try {
      await body(ctx);
      return failed ? { kind: 'FAIL' } : { kind: 'PASS' };
    } catch (e) {
      if (e instanceof SkipSignal) return { kind: 'SKIP', reason: e.reason };
      if (runSignal.aborted || (isPlugrigError(e) && e.code === 'E_ABORTED')) return { kind: 'ABORTED' };
      // A phase that fails by throwing (the plan API's way) is a FAIL with its message, not a crash.
      if (isPhaseFailure(e)) return { kind: 'FAIL', error: errorInfo(e) };
      const info = errorInfo(e);
      return { kind: 'ERROR', error: info, retryable: isRetryable(info.code) };
    }
  })();
  try {
    return await Promise.race([work, timeout, aborted]);
  } finally {
    live = false; // anything the abandoned body does from now on goes nowhere
    hooks.clock.clearTimeout(timer);
    if (onRunAbort) runSignal.removeEventListener('abort', onRunAbort);
    if (!controller.signal.aborted) controller.abort(new AbortedError(`phase ${phase.name} attempt ${attempt} ended`));
  }
}
