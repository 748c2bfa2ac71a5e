/**
 * Every failure a user can cause or meet carries a stable code and a hint that says how to fix it.
 * The CLI turns these into one line; anything else is a bug and gets a stack trace.
 */
const BRAND = Symbol.for('plugrig.error');

export class PlugrigError extends Error {
  readonly code: string;
  readonly hint: string;
  constructor(code: string, message: string, hint = '', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlugrigError';
    this.code = code;
    this.hint = hint;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** One line for a terminal: `E_CODE: message (hint)`. */
  oneLine(): string {
    return this.hint ? `${this.code}: ${this.message} — ${this.hint}` : `${this.code}: ${this.message}`;
  }
}

/**
 * By brand as well as by class: a user's plan file may load its own copy of plugrig (its
 * node_modules, or the sources through a TypeScript loader), whose errors are just as typed.
 */
export function isPlugrigError(e: unknown): e is PlugrigError {
  return e instanceof PlugrigError || (typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true);
}

/** Thrown when an AbortSignal fires; its code lets callers tell a user's Ctrl-C from a failure. */
export class AbortedError extends PlugrigError {
  constructor(what = 'operation') {
    super('E_ABORTED', `${what} aborted`, '');
    this.name = 'AbortedError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new AbortedError(what);
}

/**
 * A phase that judged the unit bad by throwing (the plan API lets a phase `throw` or call fail()):
 * recorded as FAIL with this message, not as a crash. Recognised by a brand, not by class, so an
 * error made by another copy of this module (a plan file importing its own plugrig) still counts.
 */
export class PhaseFailure extends PlugrigError {
  readonly failsPhase = true;
  constructor(message: string, hint = '', options?: { cause?: unknown }) {
    super('E_PHASE_FAILED', message, hint, options);
    this.name = 'PhaseFailure';
  }
}

export function isPhaseFailure(e: unknown): e is PlugrigError {
  return typeof e === 'object' && e !== null && (e as { failsPhase?: unknown }).failsPhase === true && typeof (e as { code?: unknown }).code === 'string';
}
