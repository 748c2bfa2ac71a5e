/**
 * Loads a plan file: its default export, a definePlan() result. `.js`/`.mjs` load with a plain
 * dynamic import; a `.ts`/`.mts` plan loads through tsx, imported lazily here so that nothing else
 * (--help, a run without --plan) ever pays for it or needs it. Whatever goes wrong becomes one
 * PlugrigError naming the file, the line (and column) when known and what is wrong: never a stack
 * trace from inside plugrig.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PlugrigError } from '../core/errors.js';
import type { Phase } from '../core/run-types.js';
import { applyPlan } from './compose.js';
import { isPlanDefinition } from './define.js';
import type { PlanDefinition } from './types.js';

/** Where each loaded definition's file is (source is the path as shown, relative to the cwd). */
const fullPaths = new WeakMap<PlanDefinition, string>();

const TS = new Set(['.ts', '.mts', '.cts']);
const JS = new Set(['.js', '.mjs', '.cjs']);

export interface LoadPlanOptions {
  /** Paths are resolved against it and shown relative to it (default process.cwd()). */
  cwd?: string;
}

interface Where {
  line?: number;
  column?: number;
}

/** "examples/x.ts:12:5" (or without line/column when unknown). */
function at(shown: string, w: Where): string {
  return `${shown}${w.line ? `:${w.line}${w.column ? `:${w.column}` : ''}` : ''}`;
}

function fail(code: string, shown: string, w: Where, what: string, hint: string): never {
  throw new PlugrigError(code, `${at(shown, w)}: ${what}`, hint);
}

const firstLine = (s: string) =>
  s
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim() ?? s;

/** A PlugrigError from any copy of plugrig (the plan file may import another one), by its shape. */
function plugrigShape(e: unknown): { code: string; message: string; hint: string } | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, message, hint } = e as { code?: unknown; message?: unknown; hint?: unknown };
  if (typeof code === 'string' && /^E_[A-Z_]+$/.test(code) && typeof message === 'string') return { code, message, hint: typeof hint === 'string' ? hint : '' };
  return undefined;
}

/** The plan file's own frame in a stack ("/x/plan.ts:12:5" or "file:///x/plan.ts?tsx…:12:5"). */
function frameIn(stack: string, file: string): Where | undefined {
  const url = pathToFileURL(file).href;
  for (const line of stack.split('\n')) {
    for (const name of [url, file]) {
      const i = line.indexOf(name);
      if (i < 0) continue;
      const m = /^(?:\?[^:\s)]*)?:(\d+)(?::(\d+))?/.exec(line.slice(i + name.length));
      if (m) return { line: Number(m[1]), ...(m[2] ? { column: Number(m[2]) } : {}) };
    }
  }
  return undefined;
}

/** Node's syntax and link errors start their stack with "<file>:<line>\n<code>\n   ^". */
function arrowLocation(stack: string, file: string): Where | undefined {
  const head = stack.split('\n')[0] ?? '';
  for (const name of [pathToFileURL(file).href, file]) {
    if (head.startsWith(name)) {
      const m = /^(?:\?[^:]*)?:(\d+)$/.exec(head.slice(name.length));
      if (m) return { line: Number(m[1]) };
    }
  }
  return undefined;
}

/** The line of the first import of `specifier` in the file's text (for "cannot find package"). */
function lineOf(file: string, specifier: string): Where {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(`'${specifier}'`) || l.includes(`"${specifier}"`));
    return i >= 0 ? { line: i + 1, column: lines[i]!.search(/['"]/) + 1 } : {};
  } catch {
    return {};
  }
}

/** esbuild's "Transform failed with 1 error:\n/x/plan.ts:3:9: ERROR: Unexpected ','". */
function esbuildError(message: string): { where: Where; what: string } | undefined {
  const m = /^(?:.*?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  return m ? { where: { line: Number(m[1]), column: Number(m[2]) + 1 }, what: m[3]! } : undefined;
}

let tsxRegistered = false;

/**
 * tsx, loaded only for a TypeScript plan. Registered for the process rather than namespaced
 * (tsImport): a namespaced import would load a second copy of plugrig for the plan's
 * `import … from 'plugrig'`, whose classes the runner's would not recognise.
 */
async function importTs(file: string): Promise<unknown> {
  if (!tsxRegistered) {
    const { register } = (await import('tsx/esm/api')) as { register: () => unknown };
    register();
    tsxRegistered = true;
    // Stack traces of a plan that throws while loading point into the .ts file, not tsx's output.
    process.setSourceMapsEnabled(true);
  }
  return import(pathToFileURL(file).href);
}

/**
 * A syntax error in a .js plan has no location on the error object; esbuild (tsx's compiler,
 * resolved from tsx so it is the copy installed with it) parses the file and says where.
 */
async function jsSyntaxLocation(file: string): Promise<{ where: Where; what: string } | undefined> {
  try {
    const req = createRequire(fileURLToPath(import.meta.resolve('tsx/esm/api')));
    const esbuild = req('esbuild') as { transformSync(code: string, o: { loader: string; format: string }): unknown };
    esbuild.transformSync(readFileSync(file, 'utf8'), { loader: 'js', format: 'esm' });
  } catch (e) {
    const first = (e as { errors?: { text: string; location?: { line: number; column: number } }[] }).errors?.[0];
    if (first?.location) return { where: { line: first.location.line, column: first.location.column + 1 }, what: first.text };
  }
  return undefined;
}

async function explainImportError(e: unknown, file: string, shown: string, ts: boolean): Promise<never> {
  const err = e as NodeJS.ErrnoException & { stack?: string };
  const message = String(err?.message ?? e);
  const stack = String(err?.stack ?? '');
  const esb = esbuildError(message);
  if (esb) fail('E_PLAN_INVALID', shown, esb.where, esb.what, 'fix the syntax error; the plan file did not compile');
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message);
  if (missing && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')) {
    const spec = missing[1]!;
    const shownSpec = spec.startsWith('/') || spec.startsWith('file:') ? path.relative(path.dirname(file), spec.replace(/^file:\/\//, '')) : spec;
    fail(
      'E_PLAN_LOAD',
      shown,
      lineOf(file, spec.startsWith('/') ? `./${shownSpec}` : spec),
      `cannot find ${JSON.stringify(shownSpec)}`,
      spec === 'plugrig'
        ? 'install plugrig where the plan file lives (npm install plugrig), or keep the plan inside a project that has it'
        : 'check the import path',
    );
  }
  const pe = plugrigShape(e);
  const where = frameIn(stack, file) ?? arrowLocation(stack, file) ?? {};
  if (err instanceof SyntaxError || err?.name === 'SyntaxError') {
    const located = where.line ? { where, what: firstLine(message) } : ts ? undefined : await jsSyntaxLocation(file);
    fail('E_PLAN_INVALID', shown, located?.where ?? where, located?.what ?? firstLine(message), 'the plan file did not load');
  }
  if (pe) {
    // definePlan()/phase() found a mistake while the file was loading.
    fail(
      pe.code === 'E_PLAN_INVALID' ? 'E_PLAN_INVALID' : 'E_PLAN_LOAD',
      shown,
      where,
      pe.code === 'E_PLAN_INVALID' ? pe.message : `${pe.code}: ${pe.message}`,
      pe.hint,
    );
  }
  fail(
    'E_PLAN_LOAD',
    shown,
    where,
    `threw while loading: ${firstLine(message)}`,
    where.line
      ? 'a plan file runs once when loaded; do the work inside a phase'
      : 'a plan file runs once when loaded; in TypeScript outside a "type": "module" package, name it .mts for line numbers',
  );
}

/** What the default export is instead of a plan, in words. */
function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object' && typeof (v as { run?: unknown }).run === 'function' && typeof (v as { name?: unknown }).name === 'string')
    return `a phase (${JSON.stringify((v as { name: string }).name)})`;
  return typeof v === 'object' ? 'an object not made by definePlan()' : `a ${typeof v}`;
}

/** The plan a module exports, looking through the CommonJS wrapping tsx gives a .ts outside an ESM package. */
function defaultOf(mod: Record<string, unknown>): { found: boolean; value: unknown } {
  let value: unknown = mod.default;
  const inner = value as { default?: unknown; __esModule?: unknown } | undefined;
  if (!isPlanDefinition(value) && typeof inner === 'object' && inner !== null && 'default' in inner) value = inner.default;
  return { found: value !== undefined || 'default' in mod, value };
}

/** Reads a plan file; `def.source` is set to the path as shown in messages. */
export async function loadPlanFile(file: string, opts: LoadPlanOptions = {}): Promise<PlanDefinition> {
  const cwd = opts.cwd ?? process.cwd();
  const full = path.resolve(cwd, file.startsWith('file:') ? fileURLToPath(file) : file);
  const rel = path.relative(cwd, full);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : full;
  if (!existsSync(full))
    fail('E_PLAN_NOT_FOUND', shown, {}, 'no such plan file', 'check the --plan path (relative to the current directory, or to the rig/station file)');
  if (!statSync(full).isFile()) fail('E_PLAN_NOT_FOUND', shown, {}, 'is not a file', 'give the path of a .ts or .js plan file');
  const ext = path.extname(full).toLowerCase();
  const ts = TS.has(ext);
  if (!ts && !JS.has(ext))
    fail('E_PLAN_INVALID', shown, {}, `a plan file is .ts, .mts, .js or .mjs, not ${ext || 'a file without extension'}`, 'e.g. my-plan.ts');
  let mod: Record<string, unknown>;
  try {
    mod = (ts ? await importTs(full) : await import(pathToFileURL(full).href)) as Record<string, unknown>;
  } catch (e) {
    return explainImportError(e, full, shown, ts);
  }
  const { found, value } = defaultOf(mod);
  if (!isPlanDefinition(value)) {
    const named = Object.entries(mod).find(([k, v]) => k !== 'default' && isPlanDefinition(v));
    if (named)
      fail('E_PLAN_INVALID', shown, {}, `the plan is exported as ${JSON.stringify(named[0])}, not as the default export`, `write: export default ${named[0]}`);
    if (!found)
      fail(
        'E_PLAN_INVALID',
        shown,
        {},
        'no default export',
        "end the file with: export default definePlan({ phases: [ … ] }) (import { definePlan, phase } from 'plugrig')",
      );
    fail(
      'E_PLAN_INVALID',
      shown,
      {},
      `the default export is ${describe(value)}, not a plan`,
      "export default definePlan({ phases: [ … ] }) (import { definePlan, phase } from 'plugrig')",
    );
  }
  value.source = shown;
  fullPaths.set(value, full);
  return value;
}

/**
 * applyPlan() for a loaded plan file: a phase name that matches nothing (or a duplicate) is
 * reported at the line of the file that names it.
 */
export function applyPlanFile(base: readonly Phase[], def: PlanDefinition): Phase[] {
  try {
    return applyPlan(base, def);
  } catch (e) {
    const pe = plugrigShape(e);
    const name = pe && /(?:no phase named|two phases are named) ("(?:[^"\\]|\\.)*")/.exec(pe.message)?.[1];
    if (!pe || !name || !def.source) throw e;
    const file = fullPaths.get(def) ?? path.resolve(def.source);
    const where = lineOf(file, JSON.parse(name) as string);
    const what = pe.message.startsWith(`${def.source}: `) ? pe.message.slice(def.source.length + 2) : pe.message;
    throw new PlugrigError(pe.code, `${at(def.source, where)}: ${what}`, pe.hint);
  }
}
