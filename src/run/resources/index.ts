/**
 * What a rig gives every phase of a run (PlanContext.device, fixture, power, log): built once per
 * run from the opened rig, the device profile and the HTTP client. The built-in checks get exactly
 * this, nothing more.
 */
import type { DeviceApi, FirmwareLog, UnitResources } from '../../core/resources.js';
import type { Template } from '../../device/template.js';
import { rigFixture, type FixtureRig, type RigFixtureOptions } from './fixture.js';
import { noFirmwareLog, noFlash } from './none.js';
import { rigPower, type PowerRig } from './power.js';
import { rigFlash, type RigFlashOptions } from './flash.js';
import { announcingFlash, announcingReboots } from './expected-reboots.js';
import type { FlashRig } from '../flash-phases.js';

export interface BuildResourcesOptions {
  /** A rig without a UART (a fixture-only fake) gets an unavailable t.flash. */
  rig: FixtureRig & PowerRig & Partial<Pick<FlashRig, 'uart' | 'deviceUrl'>>;
  /** The device profile: button polarity for press(), the BL0937 pins for fixture.meter. */
  template?: Template;
  /** OpenBeken's HTTP API (an ObkClient on the rig's clock). */
  client: DeviceApi;
  /** The firmware's log; default: none (available false). */
  log?: FirmwareLog;
  fixture?: RigFixtureOptions;
  /** Baud, boot deadline, the run's image and signal for t.flash. */
  flash?: RigFlashOptions;
  /** Where the power resource says what it did (e.g. waited out the early-reset window). */
  note?: (message: string) => void;
}

function hasFlasher<R extends Partial<Pick<FlashRig, 'uart' | 'deviceUrl'>>>(rig: R): rig is R & Pick<FlashRig, 'uart' | 'deviceUrl'> {
  return rig.uart !== undefined && rig.deviceUrl !== undefined;
}

export function buildResources(o: BuildResourcesOptions): UnitResources {
  const power = rigPower(o.rig, o.note ? { note: o.note } : {});
  const flash = hasFlasher(o.rig) ? rigFlash(o.rig, o.flash) : noFlash(`rig ${o.rig.name}`);
  if (!o.log) return { device: o.client, fixture: rigFixture(o.rig, o.template, o.fixture), power, log: noFirmwareLog(`rig ${o.rig.name}`), flash };
  // Reboots a phase asks for (power, t.flash) are announced to the log, so the unexpected-reboot
  // check counts only the others.
  return {
    device: o.client,
    fixture: rigFixture(o.rig, o.template, o.fixture),
    power: announcingReboots(power, o.log),
    log: o.log,
    flash: flash.available ? announcingFlash(flash, o.log) : flash,
  };
}

export { rigFixture, padNumber, type FixtureRig, type RigFixtureOptions } from './fixture.js';
export { rigPower, type PowerRig } from './power.js';
export { rigFlash, type RigFlashOptions } from './flash.js';
