/**
 * The simulated OpenBeken plug firmware: an independent peer built from the documented behaviour
 * (docs/openbeken-behaviour.md), booted by the simulated module when its ROM window
 * expires. `openBekenFirmware()` returns the FirmwareFactory the module calls; it recognises an
 * OpenBeken image by the `OpenBK7231N_<version>` marker in the app region (see image.ts) and
 * returns undefined for anything else.
 */
import type { FirmwareContext, FirmwareFactory, RunningFirmware } from '../types.js';
import type { SimClock } from '../clock.js';
import { parseFaults, type ObkSimFaultSpec } from './faults.js';
import { buildString, detectOpenBekenImage } from './image.js';
import { ObkRuntime } from './runtime.js';

export { OBK_SIM_FAULTS, parseFaults as parseObkSimFaults, type ObkSimFaultName, type ObkSimFaultSpec, type ObkFaultSet } from './faults.js';
export { realSimClock, type SimClock } from '../clock.js';
export { ObkRuntime } from './runtime.js';
export { CONFIG_SECTOR } from './config.js';
export { APP_START, IMAGE_MARKER, detectOpenBekenImage, findBuildTag } from './image.js';

export interface OpenBekenSimOptions {
  /** Fault switches, e.g. ['relay-stuck', 'cal-off:-3', 'http-slow:500']. */
  faults?: readonly ObkSimFaultSpec[];
  /** HTTP bind address (default 127.0.0.1). */
  host?: string;
  /** HTTP port (default 0 = a free port, reported in httpUrl). */
  port?: number;
  /**
   * Time source and timers. Default: the clock of the module that boots the firmware (its PadNets
   * read the same), which is what a firmware on a module should use; tests of the bare firmware
   * pass one here.
   */
  clock?: SimClock;
  /** /api/info "mac": 'plain' (12 hex digits, as docs/openbeken-behaviour.md §7.2 shows; default) or 'colon' (aa:bb:..). */
  macStyle?: 'plain' | 'colon';
  /** Chip temperature printed in STATUS 8 (default 0.0, as in the reply quoted in docs/openbeken-behaviour.md §7.2). */
  chipTemperatureC?: number;
  /** Gap between going down on `restart` and booting again (default 1000 ms). */
  rebootGapMs?: number;
  /**
   * RTOS uptime when OpenBeken sets up its pins (PIN_SetupPins in Main_Init_BeforeDelay_Unsafe,
   * user_main.c ~1468): the Beken SDK's start-up before the app is not published; 200 ms is
   * assumed. It only decides when the Wi-Fi LED's first toggle falls (525 − this ms after setup),
   * which is what the rig's LED-polarity measurement reads; 0 would put a wrongly-wired LED exactly
   * on that measurement's threshold.
   */
  sdkStartMs?: number;
  /** Web password for basic auth (user "admin"); default none. */
  webPassword?: string;
  /**
   * TCP port of the network log on the HTTP host (OpenBeken's LOGPORT is 9000). Default 0: a free
   * port, reported as netLogPort, since many simulated modules share one loopback host; null: none.
   */
  logPort?: number | null;
}

/** What the factory returns: the contract's RunningFirmware plus a look inside for tests and tools. */
export type ObkSimFirmware = RunningFirmware & { readonly runtime?: ObkRuntime };

export function openBekenFirmware(options: OpenBekenSimOptions = {}): FirmwareFactory {
  const faults = parseFaults(options.faults ?? []); // bad fault names fail here, not at boot
  return async (ctx: FirmwareContext): Promise<ObkSimFirmware | undefined> => {
    const image = detectOpenBekenImage(ctx.flash);
    if (!image) return undefined;
    if (faults.noBoot) {
      ctx.log(`OpenBK7231N ${image.version}: hangs at boot (fault no-boot)`);
      return { stop: async () => {} };
    }
    const runtime = new ObkRuntime(ctx, {
      faults,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      clock: options.clock ?? ctx.clock,
      identity: {
        build: buildString(image.version),
        version: image.version,
        macStyle: options.macStyle ?? 'plain',
        chipTemperatureC: options.chipTemperatureC ?? 0,
      },
      rebootGapMs: options.rebootGapMs ?? 1000,
      sdkStartMs: options.sdkStartMs ?? 200,
      ...(options.webPassword !== undefined ? { webPassword: options.webPassword } : {}),
      ...(options.logPort !== null ? { logPort: options.logPort ?? 0 } : {}),
    });
    try {
      await runtime.start();
    } catch (e) {
      // the module boots us from a timer: a throw here would be an unhandled rejection there;
      // the pins keep running, the device just has no reachable web server (httpUrl undefined)
      ctx.log(`HTTP server failed, running without it: ${e instanceof Error ? e.message : String(e)}`);
      return { stop: () => runtime.stop(), runtime };
    }
    return {
      get httpUrl() {
        return runtime.httpUrl;
      },
      get netLogPort() {
        return runtime.netLogPort;
      },
      stop: () => runtime.stop(),
      runtime,
    };
  };
}
