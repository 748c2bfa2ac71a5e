/**
 * What a rig gives every phase of a run (PlanContext.device, fixture, power, log): built once per
 * run from the opened rig, the device profile and the HTTP client. The built-in checks get exactly
 * this, nothing more.
 */
import type { DeviceApi, FirmwareLog, UnitResources } from '../../core/resources.js';
import type { Template } from '../../device/template.js';
import { rigFixture, type FixtureRig, type RigFixtureOptions } from './fixture.js';
import { noFirmwareLog } from './none.js';
import { rigPower, type PowerRig } from './power.js';

export interface BuildResourcesOptions {
  rig: FixtureRig & PowerRig;
  /** The device profile: button polarity for press(), the BL0937 pins for fixture.meter. */
  template?: Template;
  /** OpenBeken's HTTP API (an ObkClient on the rig's clock). */
  client: DeviceApi;
  /** The firmware's log; default: none (available false). */
  log?: FirmwareLog;
  fixture?: RigFixtureOptions;
  /** Where the power resource says what it did (e.g. waited out the early-reset window). */
  note?: (message: string) => void;
}

export function buildResources(o: BuildResourcesOptions): UnitResources {
  return {
    device: o.client,
    fixture: rigFixture(o.rig, o.template, o.fixture),
    power: rigPower(o.rig, o.note ? { note: o.note } : {}),
    log: o.log ?? noFirmwareLog(`rig ${o.rig.name}`),
  };
}

export { rigFixture, padNumber, type FixtureRig, type RigFixtureOptions } from './fixture.js';
export { rigPower, type PowerRig } from './power.js';
