/**
 * Power operations that reboot the unit on purpose announce it to the firmware log, so the built-in
 * unexpected-reboot check (checks/reboot-check.ts) does not count their boots. The window opens
 * before the operation and again when it ends, so it covers the operation and the boot after it.
 */
import type { FirmwareLog, FlashApi, PowerApi } from '../../core/resources.js';

/** Time after a power operation in which the boot it causes is expected (ROM window + SDK start-up + margin). */
export const REBOOT_WINDOW_MS = 10_000;

export function announcingReboots(power: PowerApi, log: FirmwareLog, windowMs = REBOOT_WINDOW_MS): PowerApi {
  const around = async <T>(why: string, op: () => Promise<T>): Promise<T> => {
    log.expectReboot(why, { withinMs: windowMs });
    try {
      return await op();
    } finally {
      log.expectReboot(why, { withinMs: windowMs });
    }
  };
  return {
    get switchable() {
      return power.switchable;
    },
    off: (opts) => around('power.off', () => power.off(opts)),
    on: (opts) => around('power.on', () => power.on(opts)),
    cycle: (opts) => around('power.cycle', () => power.cycle(opts)),
    reset: (opts) => around('power.reset', () => power.reset(opts)),
  };
}

/** The longest a t.flash.write may run (link, write, CRC, boot); its resets and boot are expected throughout. */
export const FLASH_WINDOW_MS = 10 * 60_000;

/** t.flash.write resets the chip to link and boots it after: both are reboots a phase asked for. */
export function announcingFlash(flash: FlashApi, log: FirmwareLog, windowMs = REBOOT_WINDOW_MS): FlashApi {
  return Object.assign(Object.create(flash) as FlashApi, {
    write: async (...args: Parameters<FlashApi['write']>) => {
      log.expectReboot('flash.write', { withinMs: FLASH_WINDOW_MS });
      try {
        return await flash.write(...args);
      } finally {
        log.expectReboot('flash.write', { withinMs: windowMs });
      }
    },
  });
}
