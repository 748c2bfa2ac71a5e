/**
 * The plan `plugrig serve` runs on each slot. Until the flash+check plan (bk7231 + checks) is
 * wired in here, serve runs the simulated slots (wire-time model, src/run/simulated-plan.ts) and
 * says so on start-up. Swapping in the real plan is this one function.
 */
import type { RunFactory } from '../run/factory.js';
import { simulatedRunFactory } from '../run/simulated-plan.js';

export function serveRunFactory(opts: { simSpeed?: number } = {}): { factory: RunFactory; note?: string } {
  return {
    factory: simulatedRunFactory({ timeScale: 1 / (opts.simSpeed ?? 1) }),
    note: 'slots run the simulated plan (timed wire/flash model); the real flash+check plan is not wired into serve yet',
  };
}
