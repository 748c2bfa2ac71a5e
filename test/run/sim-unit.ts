/**
 * rigs/sim.json on fast timing, opened on a fresh simulated module that runs the OpenBeken model:
 * the set-up the unit-plan, resource and check tests share. All on the test file's `clock`; the
 * module and the rig are closed by the file's `cleanups` (simTestFile in shared-clock.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import type { Clock } from '../../src/core/clock.js';
import { PACKAGE_ROOT, validateRig } from '../../src/rig/config.js';
import { openRig } from '../../src/rig/open.js';
import { createSimModule, openBekenFirmware, type ObkSimFaultSpec, type SimModuleOptions } from '../../src/sim/index.js';

export const SIM_RIG_FILE = resolve(PACKAGE_ROOT, 'rigs/sim.json');

export interface SimUnitOptions {
  /** Merged into the rig file's `sim` section (after `timing: 'fast'`). */
  rigSim?: Record<string, unknown>;
  /** More options of the module itself (seed, path, factoryImage...). */
  module?: SimModuleOptions;
  faults?: ObkSimFaultSpec[];
  /** Put plugrig's test image (version 1.18.0-plugrig) in the module's flash first. */
  testImage?: boolean;
}

export async function openSimUnit(clock: Clock, cleanups: (() => Promise<unknown>)[], opts: SimUnitOptions = {}) {
  const json = JSON.parse(readFileSync(SIM_RIG_FILE, 'utf8'));
  json.sim = { ...json.sim, timing: 'fast', ...opts.rigSim };
  const config = validateRig(json, SIM_RIG_FILE);
  const module = createSimModule({ ...config.sim, ...opts.module, clock });
  cleanups.push(() => module.close());
  if (opts.testImage) generateTestImage({ version: '1.18.0-plugrig' }).copy(module.flash.data, 0);
  module.setFirmware(openBekenFirmware({ ...(opts.faults ? { faults: opts.faults } : {}), rebootGapMs: 50 }));
  const rig = await openRig(config, { simulator: module, clock });
  cleanups.push(() => rig.close());
  return { config, module, rig };
}
