/**
 * Loads plan files outside Jest (tsx cannot register its loader inside Jest's sandbox) and prints
 * one JSON line per file: what loaded, or the error's code and one-line text. Used by load.test.ts:
 *   node --import tsx test/plan/load-child.ts <cwd> <file>…
 */
import { applyPlanFile, loadPlanFile } from '../../src/plan/load.js';
import type { Phase } from '../../src/core/run-types.js';

const [cwd, ...files] = process.argv.slice(2);
const base = ['flash', 'relay', 'button'].map((name) => ({ name, timeoutMs: 1000, run: async () => undefined }) as Phase);
for (const file of files) {
  try {
    const def = await loadPlanFile(file, { cwd: cwd! });
    let applied: string[] | string;
    try {
      applied = applyPlanFile(base, def).map((p) => p.name);
    } catch (e) {
      applied = (e as { oneLine(): string }).oneLine();
    }
    process.stdout.write(`${JSON.stringify({ file, name: def.name, source: def.source, extends: def.extends, applied })}\n`);
  } catch (e) {
    const err = e as { code?: string; oneLine?: () => string; stack?: string };
    process.stdout.write(`${JSON.stringify({ file, code: err.code, line: err.oneLine ? err.oneLine() : String(err.stack) })}\n`);
  }
}
