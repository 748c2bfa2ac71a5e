/**
 * The plan `plugrig serve` runs on each slot. A slot backed by a rig file runs the real unit plan
 * (link, backup once per MAC, flash, verify, boot, configure, the template's checks) on that rig,
 * opened for the run and released after it. Slots made with --sim-slots have no rig file: they run
 * the timed model of that plan (src/run/simulated-plan.ts), for demos and load tests.
 */
import type { Clock } from '../core/clock.js';
import type { Phase } from '../core/run-types.js';
import type { FirmwareImage } from '../bk7231/image.js';
import { defaultTestImage } from '../bk7231/test-image.js';
import { loadDeviceTemplate } from '../device/cli-support.js';
import { loadRigFile } from '../rig/config.js';
import { openRig } from '../rig/open.js';
import type { RunFactory } from '../run/factory.js';
import { simulatedRunFactory } from '../run/simulated-plan.js';
import { openUnitPlan } from '../run/unit-plan.js';
import { loadProvisioningFile, provisioningRedactor } from '../device/provisioning.js';
import { backupLocation } from '../report/store/backup-store.js';

export interface ServeFactoryOptions {
  /** The image every unit gets; default: the generated OpenBeken-tagged test image. */
  image?: { data: FirmwareImage; shownPath: string };
  offset?: number;
  baudRate?: number;
  diff?: boolean;
  /** Backups are kept by sector content in <storeDir>/backups, indexed in <storeDir>/records.sqlite. */
  storeDir: string;
  cwd: string;
  /** --sim-slots only: run the timing model this many times faster. */
  simSpeed?: number;
  /** The clock every rig opened here runs on (--virtual-time: one VirtualClock for all). */
  clock?: Clock;
  /** The station file's plan (absolute): applied to every slot whose rig file names none. */
  planPath?: string;
  /** The station file's provisioning file (absolute): applied in every slot whose rig file names none. */
  provisionPath?: string;
}

/** A plan file applied to a slot's default plan; loaded (and tsx imported) only when one is named. */
async function userPlan(file: string, cwd: string) {
  const { loadPlanFile, applyPlanFile } = await import('../plan/load.js');
  const def = await loadPlanFile(file, { cwd });
  return { apply: (base: Phase[]) => applyPlanFile(base, def), record: { planName: def.name, planFile: def.source ?? file } };
}

export function serveRunFactory(o: ServeFactoryOptions): { factory: RunFactory; note?: string } {
  const image = o.image ?? defaultTestImage();
  const model = simulatedRunFactory({ timeScale: 1 / (o.simSpeed ?? 1) });
  const factory: RunFactory = async (slot, signal) => {
    if (!slot.rigPath) return model(slot, signal);
    const config = await loadRigFile(slot.rigPath);
    const template = await loadDeviceTemplate(config.devicePath, o.cwd);
    // The rig file's own plan, else the station's; a bad one fails this run's prepare, naming it.
    const planPath = config.planPath ?? o.planPath;
    const plan = planPath ? await userPlan(planPath, o.cwd) : undefined;
    const provisionPath = config.provisionPath ?? o.provisionPath;
    const provision = provisionPath ? await loadProvisioningFile(provisionPath) : undefined;
    const redactor = provisioningRedactor(provision);
    // A simulated rig boots the simulated OpenBeken (with the rig file's sim.firmwareFaults).
    const rig = await openRig(config, { signal, ...(o.clock ? { clock: o.clock } : {}) });
    const unit = await openUnitPlan({
      rig,
      template,
      image: image.data,
      imagePath: image.shownPath,
      offset: o.offset ?? image.data.defaultOffset,
      backups: backupLocation(o.storeDir),
      ...(o.diff !== undefined ? { diff: o.diff } : {}),
      ...(o.baudRate !== undefined ? { baudRate: o.baudRate } : {}),
      ...(provision ? { checks: { provision } } : {}),
      signal,
    });
    let phases: Phase[];
    try {
      phases = plan ? plan.apply(unit.plan) : unit.plan;
    } catch (e) {
      await unit.close();
      await rig.close();
      throw e;
    }
    return {
      plan: phases,
      ...plan?.record,
      firmware: unit.firmware,
      resources: unit.resources,
      rig: rig.name,
      clock: rig.clock,
      ...(redactor ? { redactor } : {}),
      release: async () => {
        await unit.close();
        await rig.close();
      },
    };
  };
  return { factory };
}
