/**
 * Executes a plan: phases in order, each attempt under its deadline, group retries, abort, and
 * a stop at the first FAIL/ERROR (later phases are reported SKIP). Consecutive phases marked
 * `concurrent` overlap where their `uses` sets are disjoint (phaseGroups, runGroup). Everything
 * it learns goes out as events; the returned record is the fold of those same events.
 */
import { randomBytes } from 'node:crypto';
import { realClock, type Clock } from '../core/clock.js';
import { runAttempt, type AttemptResult } from './attempt.js';
import { RunEmitter } from './emitter.js';
import { noResources } from './resources/none.js';
import type { UnitResources } from '../core/resources.js';
import type { Redactor } from '../core/redact.js';
import { applyEvent, decideOutcome, foldInto, type RunRecord } from '../core/record.js';
import type { ErrorInfo, Phase, PhaseOutcome, RunEvent, RunOrigin, Sink, UnitIdentity } from '../core/run-types.js';

/** The origin fields (firmware, station, planName, planFile) are recorded in run.started. */
export interface RunPlanOptions extends RunOrigin {
  runId?: string;
  slot: string;
  rig: string;
  plan: Phase[];
  unit?: UnitIdentity;
  sinks: Sink[];
  signal?: AbortSignal;
  /** Min ms between progress events of one phase; default 100. */
  progressIntervalMs?: number;
  /**
   * The run's time source: phase deadlines, durations, progress rates, event times (`t` is
   * clock.wallNow()) and every phase's ctx.clock. Default: the machine's. Give the rig's clock.
   */
  clock?: Clock;
  /** What the rig owns, given to every phase (ctx.resources). Default: none, each use fails naming what is missing. */
  resources?: UnitResources;
  /** The run's secrets (a provisioning file's passwords): scrubbed from every event before any sink sees it. */
  redactor?: Redactor;
}

/** "20261129T085501-3fa9c2": sortable, unique enough for one store. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runPlan(opts: RunPlanOptions): Promise<RunRecord> {
  const clock = opts.clock ?? realClock;
  const runId = opts.runId ?? newRunId(new Date(clock.wallNow()));
  const signal = opts.signal ?? new AbortController().signal;
  let record: RunRecord | undefined;
  const emitter = new RunEmitter(
    runId,
    opts.slot,
    opts.sinks,
    () => clock.wallNow(),
    // The runner owns its record: fold in place (applyEvent's copy per event grew with the log lines).
    (e: RunEvent) => {
      record = record ? foldInto(record, e) : applyEvent(undefined, e);
    },
    opts.redactor,
  );
  const hooks = {
    emit: (b: Parameters<RunEmitter['emit']>[0]) => void emitter.emit(b),
    progressIntervalMs: opts.progressIntervalMs ?? 100,
    clock,
    resources: opts.resources ?? noResources(`run on ${opts.rig}`),
  };
  const t0 = clock.now();
  emitter.emit({
    type: 'run.started',
    rig: opts.rig,
    ...(opts.rigKind ? { rigKind: opts.rigKind } : {}),
    plan: opts.plan.map((p) => p.name),
    unit: opts.unit ?? {},
    ...(opts.firmware ? { firmware: opts.firmware } : {}),
    ...(opts.station ? { station: opts.station } : {}),
    ...(opts.planName ? { planName: opts.planName } : {}),
    ...(opts.planFile ? { planFile: opts.planFile } : {}),
  });

  // Every firmware log line becomes an event of the run, tagged with the phase running then (with
  // phases overlapping, the earliest of them in plan order: the tag must name one phase).
  const running: Phase[] = [];
  const stopLogEvents = hooks.resources.log.onLine((l) => {
    const tag = running.length ? running.reduce((a, b) => (opts.plan.indexOf(a) <= opts.plan.indexOf(b) ? a : b)).name : undefined;
    emitter.emit({ type: 'firmware.log', line: l.text, source: l.source, tMs: l.tMs, ...(tag ? { phase: tag } : {}) });
  });

  let stopReason: string | undefined;
  /** One phase, from the checks that may skip it to its phase.finished and what that means for the rest. */
  const runOne = async (phase: Phase): Promise<void> => {
    await emitter.flush();
    if (emitter.durableFailure && !stopReason) stopReason = 'not run: the record store failed';
    if (signal.aborted && !stopReason) stopReason = 'not run: run aborted';
    if (stopReason) {
      emitter.emit({ type: 'phase.finished', phase: phase.name, outcome: 'SKIP', durationMs: 0, attempts: 0, skipReason: stopReason });
      return;
    }
    const unmet = (phase.requires ?? []).filter((name) => record!.phases.find((p) => p.name === name)?.outcome !== 'PASS');
    if (unmet.length) {
      const why = unmet.map((n) => `${n} ${record!.phases.find((p) => p.name === n)?.outcome ?? 'not in the plan'}`).join(', ');
      emitter.emit({
        type: 'phase.finished',
        phase: phase.name,
        outcome: 'SKIP',
        durationMs: 0,
        attempts: 0,
        skipReason: `not judged: needs ${unmet.join(', ')} to pass (${why})`,
      });
      return;
    }
    running.push(phase);
    let result: PhaseResult;
    try {
      result = await runPhase(phase, signal, hooks, emitter);
    } finally {
      running.splice(running.indexOf(phase), 1);
    }
    const { outcome, attempts, durationMs, error, skipReason } = result;
    emitter.emit({
      type: 'phase.finished',
      phase: phase.name,
      outcome,
      durationMs,
      attempts,
      ...(error ? { error } : {}),
      ...(skipReason ? { skipReason } : {}),
    });
    if ((outcome === 'FAIL' && !phase.independent) || outcome === 'ERROR') stopReason ??= `not run after ${phase.name} failed`;
    if (outcome === 'ABORTED') stopReason ??= `not run: run aborted during ${phase.name}`;
  };

  for (const group of phaseGroups(opts.plan)) {
    if (group.length === 1) await runOne(group[0]!);
    else await runGroup(group, runOne);
  }

  stopLogEvents();
  await emitter.flush();
  const { outcome, error } = emitter.durableFailure
    ? { outcome: 'ERROR' as const, error: toInfo(emitter.durableFailure) }
    : decideOutcome(record!.phases, signal.aborted);
  emitter.emit({
    type: 'run.finished',
    outcome,
    durationMs: Math.round(clock.now() - t0),
    ...(error ? { error } : {}),
  });
  await emitter.flush();
  if (emitter.durableFailure) throw emitter.durableFailure;
  return record!;
}

/**
 * The plan cut into groups: each run of consecutive `concurrent` phases is one group, every other
 * phase a group of its own. Pure.
 */
export function phaseGroups(plan: readonly Phase[]): Phase[][] {
  const groups: Phase[][] = [];
  let open: Phase[] | undefined;
  for (const p of plan) {
    if (p.concurrent && open) open.push(p);
    else {
      open = p.concurrent ? [p] : undefined;
      groups.push(open ?? [p]);
    }
  }
  return groups;
}

/** Two phases that may not overlap: they share a resource key, or one does not say what it uses. */
export function conflicts(a: Phase, b: Phase): boolean {
  if (!a.uses || !b.uses) return true;
  return a.uses.some((k) => b.uses!.includes(k));
}

/**
 * The phases of one group, each started as soon as every earlier phase of the group that it
 * conflicts with or requires has finished (so two phases sharing a line keep their plan order, and
 * nothing starts ahead of what it needs). Resolves when all have finished. runOne never rejects for
 * a phase's own failure (outcomes are events), so one phase's FAIL lets the others run on.
 */
async function runGroup(group: readonly Phase[], runOne: (p: Phase) => Promise<void>): Promise<void> {
  const done: Promise<void>[] = [];
  for (const [i, p] of group.entries()) {
    const before = group.slice(0, i).flatMap((q, j) => (conflicts(p, q) || (p.requires ?? []).includes(q.name) ? [done[j]!] : []));
    done.push(Promise.all(before).then(() => runOne(p)));
  }
  // Wait for every phase even if one threw (a store failure): none is left running behind the run.
  const settled = await Promise.allSettled(done);
  const thrown = settled.find((r) => r.status === 'rejected');
  if (thrown) throw thrown.reason;
}

function toInfo(e: { code: string; message: string; hint: string }): ErrorInfo {
  return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
}

interface PhaseResult {
  outcome: PhaseOutcome;
  attempts: number;
  durationMs: number;
  error?: ErrorInfo;
  skipReason?: string;
}

async function runPhase(phase: Phase, signal: AbortSignal, hooks: Parameters<typeof runAttempt>[3], emitter: RunEmitter): Promise<PhaseResult> {
  const started = hooks.clock.now();
  const maxAttempts = 1 + Math.max(0, Math.floor(phase.retries ?? 0));
  let result: AttemptResult = { kind: 'ABORTED' };
  let attempt = 0;
  while (attempt < maxAttempts) {
    attempt += 1;
    if (attempt > 1 && phase.beforeRetry) {
      const before = await runAttempt(phase, attempt, signal, hooks, phase.beforeRetry, 'beforeRetry');
      if (before.kind === 'ABORTED' || before.kind === 'ERROR') {
        result = before.kind === 'ERROR' ? { ...before, retryable: false } : before;
        attempt -= 1; // the retry itself never started
        break;
      }
    }
    hooks.emit({ type: 'phase.started', phase: phase.name, attempt });
    result = await runAttempt(phase, attempt, signal, hooks, (ctx) => phase.run(ctx));
    await emitter.flush();
    if (emitter.durableFailure) break;
    const retry = result.kind === 'FAIL' || (result.kind === 'ERROR' && result.retryable);
    if (!retry) break;
    if (attempt < maxAttempts) hooks.emit({ type: 'log', level: 'warn', phase: phase.name, message: retryMessage(phase.name, attempt, result) });
  }
  const durationMs = Math.round(hooks.clock.now() - started);
  switch (result.kind) {
    case 'PASS':
    case 'ABORTED':
      return { outcome: result.kind, attempts: attempt, durationMs };
    case 'FAIL':
      return { outcome: 'FAIL', attempts: attempt, durationMs, ...(result.error ? { error: result.error } : {}) };
    case 'SKIP':
      return { outcome: 'SKIP', attempts: attempt, durationMs, skipReason: result.reason };
    case 'ERROR':
      return { outcome: 'ERROR', attempts: attempt, durationMs, error: result.error };
  }
}

function retryMessage(phase: string, attempt: number, r: AttemptResult): string {
  const why = r.kind === 'ERROR' || (r.kind === 'FAIL' && r.error) ? `${r.error!.code}: ${r.error!.message}` : 'a measurement failed';
  return `${phase} attempt ${attempt} ${r.kind === 'ERROR' ? 'errored' : 'failed'} (${why}); retrying`;
}
