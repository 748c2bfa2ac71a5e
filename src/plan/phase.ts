/**
 * phase(): a plain async function with its measurements declared beside it, turned into a runner
 * Phase. The context it gets is built from the runner's, with the rig's resources; a declared
 * measurement the function never sets is recorded as FAIL "not measured", and anything it throws
 * (other than a skip or an abort) fails the phase with the thrown message.
 */
import { sleep } from '../core/clock.js';
import { isPhaseFailure, isPlugrigError, PhaseFailure, PlugrigError } from '../core/errors.js';
import type { MeasuredValue, Measurement, PhaseContext } from '../core/run-types.js';
import type { MeasureOptions, MeasurementSpec, PhaseFunction, PhaseOptions, PlanContext, PlanPhase } from './types.js';

const DEFAULT_TIMEOUT_MS = 60_000;
const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** Throws a PlugrigError naming the phase when its definition is unusable. */
function check(ok: boolean, name: string, what: string, hint: string): void {
  if (!ok) throw new PlugrigError('E_PLAN_INVALID', `phase ${JSON.stringify(name)}: ${what}`, hint);
}

function validate(name: string, options: PhaseOptions, fn: unknown): void {
  check(
    typeof name === 'string' && NAME.test(name),
    String(name),
    'a phase needs a name of letters, digits, ".", "_" or "-"',
    "e.g. phase('power-on-state', async (t) => { … })",
  );
  check(typeof fn === 'function', name, 'the last argument must be the phase function', 'phase(name, { measurements }, async (t) => { … })');
  const t = options.timeoutMs;
  check(t === undefined || (Number.isFinite(t) && t > 0), name, `timeoutMs must be a positive number of ms, got ${String(t)}`, 'e.g. timeoutMs: 30_000');
  const r = options.retries;
  check(
    r === undefined || (Number.isInteger(r) && r >= 0 && r <= 10),
    name,
    `retries must be a whole number 0..10, got ${String(r)}`,
    'retries: 1 runs the phase at most twice',
  );
  const u = options.uses;
  check(
    u === undefined || (Array.isArray(u) && u.every((k) => typeof k === 'string' && k.length > 0)),
    name,
    'uses must be a list of resource keys',
    "e.g. uses: ['pad:8'] (a fixture line), ['meter'], ['channel:1'], ['power']",
  );
  for (const [m, spec] of Object.entries(options.measurements ?? {})) {
    check(NAME.test(m), name, `measurement name ${JSON.stringify(m)} is not usable`, 'use letters, digits, ".", "_" or "-"');
    check(
      typeof spec === 'object' && spec !== null,
      name,
      `measurement ${m}: give its limits as an object, e.g. { low: 0, high: 500, unit: 'ms' }`,
      '{} declares it without limits',
    );
    const { low, high } = spec;
    check(low === undefined || typeof low === 'number', name, `measurement ${m}: low must be a number`, 'e.g. { low: 0 }');
    check(high === undefined || typeof high === 'number', name, `measurement ${m}: high must be a number`, 'e.g. { high: 500 }');
    check(low === undefined || high === undefined || low <= high, name, `measurement ${m}: low ${low} is above high ${high}`, 'swap them');
  }
}

export function phase(name: string, fn: PhaseFunction): PlanPhase;
export function phase(name: string, options: PhaseOptions, fn: PhaseFunction): PlanPhase;
export function phase(name: string, a: PhaseOptions | PhaseFunction, b?: PhaseFunction): PlanPhase {
  const options: PhaseOptions = typeof a === 'function' ? {} : (a ?? {});
  const fn = (typeof a === 'function' ? a : b) as PhaseFunction;
  validate(name, options, fn);
  const declared: Readonly<Record<string, MeasurementSpec>> = Object.freeze({ ...(options.measurements ?? {}) });
  const built: PlanPhase = {
    name,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    measurements: declared,
    run: (ctx) => runDeclared(ctx, declared, fn),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.independent !== undefined ? { independent: options.independent } : {}),
    ...(options.requires ? { requires: [...options.requires] } : {}),
    ...(options.concurrent !== undefined ? { concurrent: options.concurrent } : {}),
    ...(options.uses ? { uses: [...options.uses] } : {}),
    ...(options.beforeRetry ? { beforeRetry: (ctx: PhaseContext) => options.beforeRetry!(planContext(ctx, declared, new Set())) } : {}),
  };
  return built;
}

async function runDeclared(ctx: PhaseContext, declared: Readonly<Record<string, MeasurementSpec>>, fn: PhaseFunction): Promise<void> {
  const measured = new Set<string>();
  let thrown: unknown;
  try {
    await fn(planContext(ctx, declared, measured));
  } catch (e) {
    thrown = e;
  }
  const skipOrAbort =
    thrown !== undefined && (ctx.signal.aborted || !(thrown instanceof Error) || isSkip(thrown) || (isPlugrigError(thrown) && thrown.code === 'E_ABORTED'));
  if (!skipOrAbort) {
    // Declared but never set: a FAIL that names it, never a silent gap in the record.
    for (const [name, spec] of Object.entries(declared)) {
      if (measured.has(name)) continue;
      ctx.measure({
        name,
        value: null,
        ...(spec.unit ? { unit: spec.unit } : {}),
        ...(limitsOf(spec) ? { limits: limitsOf(spec)! } : {}),
        verdict: 'FAIL',
        note: thrown ? 'not measured: the phase failed before setting it' : 'not measured: the phase never set it',
      });
    }
  }
  if (thrown === undefined) return;
  if (skipOrAbort || isPhaseFailure(thrown)) throw thrown;
  // A user phase fails by throwing: its message is the failure, not a crash report.
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const hint = isPlugrigError(thrown) ? thrown.hint : '';
  throw new PhaseFailure(isPlugrigError(thrown) ? `${thrown.code}: ${message}` : message, hint, { cause: thrown });
}

/** ctx.skip()'s signal, recognised by its brand: it must reach the runner untouched. */
function isSkip(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { skipsPhase?: unknown }).skipsPhase === true;
}

function limitsOf(spec: MeasurementSpec | undefined): MeasureOptions['limits'] | undefined {
  if (!spec) return undefined;
  const { low, high, equals } = spec;
  if (low === undefined && high === undefined && equals === undefined) return undefined;
  return { ...(low !== undefined ? { low } : {}), ...(high !== undefined ? { high } : {}), ...(equals !== undefined ? { equals } : {}) };
}

function planContext(ctx: PhaseContext, declared: Readonly<Record<string, MeasurementSpec>>, measured: Set<string>): PlanContext {
  const r = ctx.resources;
  return {
    phase: ctx.phase,
    attempt: ctx.attempt,
    signal: ctx.signal,
    clock: ctx.clock,
    device: r.device,
    fixture: r.fixture,
    power: r.power,
    log: r.log,
    flash: r.flash,
    measure(name: string, value: MeasuredValue, opts: MeasureOptions = {}): Measurement {
      const spec = declared[name];
      const limits = opts.limits ?? limitsOf(spec);
      const unit = opts.unit ?? spec?.unit;
      const note = opts.note ?? spec?.note;
      measured.add(name);
      return ctx.measure({ name, value, ...(unit ? { unit } : {}), ...(limits ? { limits } : {}), ...(note ? { note } : {}) });
    },
    sleep: (ms) => sleep(ctx.clock, ms, ctx.signal, `phase ${ctx.phase}: wait`),
    note: (message, level) => ctx.log(message, level),
    progress: (p) => ctx.progress(p),
    identify: (unit) => ctx.identify(unit),
    skip: (reason) => ctx.skip(reason),
  };
}
