/**
 * Contracts between the parts of the simulated module. The ROM side (download protocol, flash,
 * timing), the firmware side (OpenBeken behaviour) and the rig's simulated lines meet here.
 * Nothing in sim/ imports bk7231/, checks/ or device/: the simulator is an independent peer.
 */
import type { SimClock } from './clock.js';
import type { PadNet } from './net.js';

export type ModuleState = 'off' | 'in-reset' | 'rom-listen' | 'download' | 'app';

/** Read access to the simulated flash for the firmware side (config sector, image detection). */
export interface FlashView {
  readonly size: number;
  read(addr: number, len: number): Buffer;
  /** Firmware-side writes (config saves). Goes through NOR semantics (erase then program). */
  eraseSector(addr: number): void;
  program(addr: number, data: Buffer): void;
}

/** What the module hands to the firmware when it leaves the ROM and boots from flash. */
export interface FirmwareContext {
  /** Pads by BK7231N GPIO number (6 → P6). Drive with setModuleDrive, read with level(). */
  readonly pads: ReadonlyMap<number, PadNet>;
  readonly flash: FlashView;
  readonly mac: string; // 12 upper-case hex digits
  /** The module's clock: the firmware's time and timers (unless its own options override it). */
  readonly clock: SimClock;
  /** clock.now() at boot. */
  readonly bootedAtMs: number;
  /** Resets that happened before 5 s of uptime, in a row (OpenBeken's boot-failure counter lives in flash; the module keeps it across resets). */
  readonly earlyResets: number;
  /** A line on UART2 (the TX2 test pad, 115200 log). */
  log(line: string): void;
}

export interface RunningFirmware {
  /** Base URL of the firmware's HTTP API on loopback (the simulated "192.168.4.1"), once it serves. */
  readonly httpUrl?: string;
  /** TCP port of the firmware's network log on the httpUrl's host (OpenBeken: 9000), once it listens. */
  readonly netLogPort?: number;
  /** Called on reset or power loss: stop every timer and server, release pads. */
  stop(): Promise<void>;
}

/**
 * Boots whatever the flash holds. Returns undefined when the image is not one this firmware
 * recognises (the module then runs a silent "foreign" app: no pins, no HTTP).
 */
export type FirmwareFactory = (ctx: FirmwareContext) => RunningFirmware | undefined | Promise<RunningFirmware | undefined>;

/** The public face of a simulated module, as the rig's simulated lines and the tools see it. */
export interface SimModuleHandle {
  /** 3.3 V supply: host drives 1 = powered. Pull 'down' (no supply when nothing drives it). */
  readonly powerNet: PadNet;
  /** CEN: low = in reset. Pulled up on the module (released → runs). */
  readonly cenNet: PadNet;
  /** Every CB2S pad by BK7231N GPIO number: 6, 7, 8, 10, 11, 23, 24, 26 and the test pads 0, 1. */
  readonly pads: ReadonlyMap<number, PadNet>;
  readonly state: ModuleState;
  /** Serial path under which the in-process binding finds this module's UART1, e.g. "sim:slot0". */
  readonly uartPath: string;
  /** Serial path of UART2 (the TX2 test pad, the firmware's log at 115200) in the in-process binding: `<uartPath>:log`. */
  readonly logUartPath: string;
  /** UART2 (TX2 test pad) log lines. Returns an unsubscribe. */
  onLog(cb: (line: string) => void): () => void;
  onStateChange(cb: (state: ModuleState) => void): () => void;
  /** The firmware that boots from flash when the ROM window expires. */
  setFirmware(factory: FirmwareFactory | undefined): void;
  readonly flash: FlashView;
  /** The running firmware's HTTP base URL, or undefined when no firmware with HTTP is up. */
  httpUrl(): string | undefined;
  /** The running firmware's network log port (on httpUrl's host), or undefined. */
  netLogPort(): number | undefined;
  close(): Promise<void>;
}
