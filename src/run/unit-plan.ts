/**
 * The whole plan for one unit: the flasher's phases (link, backup the first time, flash, verify,
 * boot) followed by the checks derived from the device template (configure, identity, LED, relay,
 * button, BL0937). Built from an opened rig, a template and an image; `close()` releases the port.
 */
import { flashPhases } from './flash-phases.js';
import type { FirmwareImage } from '../bk7231/image.js';
import { buildCheckPhases, type CheckPlanOptions } from '../checks/plan.js';
import { ObkClient } from '../device/obk-client.js';
import { pinsOfKind, type Template } from '../device/template.js';
import { rebootWatchPhase } from '../checks/reboot-watch.js';
import { withRebootCheck } from '../checks/reboot-check.js';
import type { Rig } from '../rig/types.js';
import type { BackupLocation } from '../report/store/backup-store.js';
import type { FirmwareInfo, Phase } from '../core/run-types.js';
import type { FirmwareLog, UnitResources } from '../core/resources.js';
import { buildResources } from './resources/index.js';
import { openRigFirmwareLog } from './resources/log.js';

export interface UnitPlanOptions {
  rig: Rig;
  template: Template;
  image: FirmwareImage;
  /** The image's path as the user named it, for the record ("(generated)" for the test image). */
  imagePath: string;
  offset: number;
  /** Where backups are kept: backupLocation(storeDir). */
  backups: BackupLocation;
  diff?: boolean;
  baudRate?: number;
  pipelineDepth?: number;
  checks?: CheckPlanOptions;
  httpTimeoutMs?: number;
  /** How long the flashed firmware may take to serve HTTP after boot (default 20 s). */
  bootTimeoutMs?: number;
  /** The run's abort signal (Ctrl-C, an operator's abort). */
  signal?: AbortSignal;
  /** The firmware's log for t.log (default: none). */
  log?: FirmwareLog;
}

export interface UnitPlan {
  plan: Phase[];
  firmware: FirmwareInfo;
  /** What every phase gets (t.device, t.fixture, t.power, t.log): pass it to runPlan. */
  resources: UnitResources;
  close(): Promise<void>;
}

export function buildUnitPlan(o: UnitPlanOptions): UnitPlan {
  // What the flash phases and a plan's t.flash share (only the options given: exact optional types).
  const flashTuning = {
    ...(o.baudRate !== undefined ? { baudRate: o.baudRate } : {}),
    ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
    ...(o.bootTimeoutMs !== undefined ? { bootTimeoutMs: o.bootTimeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const flashing = flashPhases({
    rig: o.rig,
    image: o.image,
    offset: o.offset,
    backups: o.backups,
    ...(o.diff !== undefined ? { diff: o.diff } : {}),
    ...flashTuning,
  });
  const client = new ObkClient({ url: () => o.rig.deviceUrl(), timeoutMs: o.httpTimeoutMs ?? 4000, clock: o.rig.clock });
  // After configure, one CEN reset with the Wi-Fi LED pad recorded from the boot instant: the
  // LED's polarity shows only there (checks/led.ts).
  const reboot = rebootWatchPhase({ ledPads: pinsOfKind(o.template, 'wifiLed').map((p) => p.gpio) });
  const resources = buildResources({
    rig: o.rig,
    template: o.template,
    client,
    ...(o.log ? { log: o.log } : {}),
    flash: { runImage: { image: o.image, offset: o.offset }, ...flashTuning },
  });
  const checks = buildCheckPhases({
    rig: o.rig,
    template: o.template,
    // configure does not restart: the reboot phase right after resets the unit anyway (once its
    // uptime is safe), and that boot starts the drivers with the saved template.
    // The fixture checks overlap where their lines allow (they are independent here, see below).
    options: { configure: true, configureRestart: false, concurrent: true, ledBootWatch: reboot.recording, ...o.checks },
  });
  const at = checks.findIndex((p) => p.name === 'configure') + 1;
  checks.splice(at, 0, reboot.phase);
  // The fixture checks after identity judge separate functions: each runs even if another failed.
  const first = checks.findIndex((p) => p.name === 'identity') + 1;
  for (const p of checks.slice(first)) p.independent = true;
  // The button is judged by the relay it toggles: with a relay that failed on its own, say so
  // instead of failing the button too.
  if (checks.some((p) => p.name === 'relay')) {
    for (const p of checks) if (p.name.startsWith('relay-button')) p.requires = ['relay'];
  }
  return {
    // On by default: no unexpected reboot from the CEN reset above to the end of the checks.
    plan: [...flashing.phases, ...withRebootCheck(checks, reboot.phase.name)],
    firmware: { path: o.imagePath, sha256: o.image.sha256, size: o.image.data.length },
    resources,
    close: async () => {
      reboot.close();
      await flashing.close();
    },
  };
}

/**
 * buildUnitPlan with the rig's firmware log opened for it (its logUart, else the network log on the
 * device's host): t.log, the firmware.log events and the unexpected-reboot check all read it.
 * close() closes the log too.
 */
export async function openUnitPlan(o: Omit<UnitPlanOptions, 'log'>): Promise<UnitPlan> {
  const log = await openRigFirmwareLog(o.rig);
  const unit = buildUnitPlan({ ...o, log });
  return {
    ...unit,
    close: async () => {
      try {
        await unit.close();
      } finally {
        await log.close();
      }
    },
  };
}
