/**
 * Resources for a run that has no rig behind it (runner tests, the timed-model slots): every use
 * fails with a message naming what is missing, so a phase that needs the device cannot pass by
 * accident.
 */
import { PlugrigError } from '../../core/errors.js';
import type { FirmwareLog, FlashApi, UnitResources } from '../../core/resources.js';

function missing(what: string, where: string): never {
  throw new PlugrigError('E_NO_RESOURCE', `${where} has no ${what}`, `run this plan on a rig that provides the ${what} (a rig file with it wired)`);
}

function unavailable<T extends object>(what: string, where: string): T {
  return new Proxy({} as T, {
    get: (_t, key) => (key === 'then' ? undefined : () => missing(what, where)),
  });
}

export function noFirmwareLog(where: string): FirmwareLog {
  return {
    available: false,
    source: 'none',
    mark: () => 0,
    since: () => [],
    waitFor: async () => missing('firmware log (logUart in the rig file, or a device URL for the network log)', where),
    onLine: () => () => undefined,
    expectReboot: () => undefined,
    expectedReboots: () => [],
  };
}

export function noFlash(where: string): FlashApi {
  return {
    available: false,
    write: async () => missing("flasher (the module's UART and a boot sequence in the rig file)", where),
  };
}

export function noResources(where: string): UnitResources {
  return {
    device: unavailable('device (OpenBeken HTTP API)', where),
    fixture: unavailable('fixture', where),
    power: unavailable('power or CEN line', where),
    log: noFirmwareLog(where),
    flash: noFlash(where),
  };
}
