/**
 * One simulated CB2S: power and CEN nets drive the chip's life cycle
 *   off → in-reset → rom-listen (download window) → download | app
 * the ROM answers the download protocol on UART1 (through a UartLink), and when the window expires
 * the firmware set with setFirmware() boots from flash with the pads, the flash and a log on UART2.
 */
import { PlugrigError } from '../core/errors.js';
import { PadNet } from './net.js';
import type { FirmwareContext, FirmwareFactory, ModuleState, RunningFirmware, SimModuleHandle } from './types.js';
import { NorFlash, type ProtectionModel } from './flash-model.js';
import path from 'node:path';
import { realSimClock, simTimeout, type SimClock } from './clock.js';
import { macFromTlvSector, TLV_SECTOR, writeFactoryImage } from './factory-image.js';
import { loadFlashFile, saveFlashFile } from './flash-file.js';
import { RomFrameReader, type RomFrame } from './rom/frame-reader.js';
import { executeRomCommand, type RomEnv } from './rom/commands.js';
import { RomRegisters } from './rom/registers.js';
import { resolveTiming, opMs, type TimingChoice, type TimingModel } from './timing.js';
import { seededRng, type Rng } from './prng.js';
import type { SimFaults } from './faults.js';
import { ROM_BAUD, UartLink } from './uart-link.js';

export interface SimModuleOptions {
  /** Serial path the in-process binding registers, e.g. "sim:slot0". Default: the next free sim:slotN. */
  path?: string;
  /** 'realistic' (default), 'fast' (no delays, for unit tests) or a partial model over the realistic one. */
  timing?: TimingChoice;
  /** How long the ROM listens for a LinkCheck after reset, ms. Default 150. Infinity = always wait (a held chip). */
  downloadWindowMs?: number;
  /** Value of ReadReg 0x00800000. Default 0x7231C (BK7231N). */
  chipId?: number;
  /** JEDEC Read-ID bytes. Default EB 60 15 (TH25Q16HB, 2 MiB). */
  flashId?: readonly [number, number, number];
  /** Initial status register SR2<<8|SR1. Default 0x4004 (stock Tuya: CMP + BP0). */
  initialSr?: number;
  protection?: ProtectionModel;
  /** 12 hex digits. Default derived from the seed under the locally administered prefix 02:5A:4D (never a real OUI). */
  mac?: string;
  /** Start with the stock Tuya factory image (default) or an erased flash. */
  factoryImage?: boolean;
  faults?: SimFaults;
  seed?: number;
  /** Power the module on creation even though no host drives the supply (stand-alone use, pty). */
  powered?: boolean;
  /** Inter-byte timeout of the ROM's frame receiver, ms. */
  frameTimeoutMs?: number;
  /**
   * Bytes the chip can take in while it is busy with a command (executing it and sending its
   * reply); more are lost as a UART overrun. Whether the ROM buffers beyond its UART FIFO is not
   * published (docs/bk7231n-download-protocol.md §16). The default assumes it does not: the ROM handles one command at a
   * time and only its hardware FIFO (taken as 128 bytes) fills meanwhile, so a host that pipelines
   * 4 KiB frames loses data, as it would risk on a real chip. 'unlimited' (Infinity) models a ROM
   * that buffers everything.
   */
  rxBufferBytes?: number;
  /**
   * Keep the flash in this file across processes (loaded at creation, saved atomically on close), so a
   * simulated rig behaves like a real module between `plugrig flash` and `plugrig test`. Used as
   * given: absolute, or relative to the process's working directory (whoever reads a rig file
   * decides where its relative paths live).
   */
  flashFile?: string;
  /**
   * Fault switches of the simulated OpenBeken a rig boots on this module (e.g. "relay-stuck"). The
   * chip ignores them; whoever attaches the firmware passes them to openBekenFirmware().
   */
  firmwareFaults?: string[];
  /** App uptime after which the early-reset counter clears. Default EARLY_RESET_UPTIME_MS (5 s). */
  earlyResetClearMs?: number;
  /**
   * Time source of everything the module does (download window, UART wire times, flash status,
   * pad nets and their pulse trains, the firmware it boots). Default: the real clock. Tests pass the
   * host's virtual clock here, so host and module share one time.
   */
  clock?: SimClock;
}

/** The UART FIFO the ROM is assumed to have while busy (see rxBufferBytes). */
export const DEFAULT_RX_BUFFER_BYTES = 128;
/** Uptime after which the app's early-reset counter is cleared (OpenBeken's boot-failure logic). */
export const EARLY_RESET_UPTIME_MS = 5000;
/** Pads of a CB2S by BK7231N GPIO number. P10 = RX1, P11 = TX1, P0/P1 = TX2/RX2 test pads. */
export const CB2S_PADS = [0, 1, 6, 7, 8, 10, 11, 23, 24, 26] as const;
const RX1_PAD = 10;
/** The binding opens a module's UART2 (TX2, the log) under its UART1 path with this suffix. */
export const LOG_PORT_SUFFIX = ':log';

let nextSlot = 0;

export class SimModule implements SimModuleHandle {
  readonly powerNet: PadNet;
  readonly cenNet: PadNet;
  readonly pads: ReadonlyMap<number, PadNet>;
  readonly uartPath: string;
  readonly flash: NorFlash;
  readonly regs: RomRegisters;
  readonly link: UartLink;
  readonly mac: string;
  readonly clock: SimClock;
  timing: TimingModel;
  faults: SimFaults;
  downloadWindowMs: number;
  readonly earlyResetClearMs: number;
  rxBufferBytes: number;
  /** Bytes lost because they arrived while the chip was busy and its receive buffer was full. */
  rxOverruns = 0;
  /** Resets before EARLY_RESET_UPTIME_MS of app uptime, in a row; kept across resets. */
  earlyResets = 0;

  private current: ModuleState = 'off';
  private readonly rng: Rng;
  private readonly reader: RomFrameReader;
  private readonly logListeners = new Set<(line: string) => void>();
  private readonly stateListeners = new Set<(s: ModuleState) => void>();
  private firmwareFactory: FirmwareFactory | undefined;
  private firmware: RunningFirmware | undefined;
  private bootGeneration = 0;
  private appBootedAt = 0;
  private windowTimer: unknown;
  private uptimeTimer: unknown;
  private chipBusyUntil = Number.NEGATIVE_INFINITY;
  /** Until the reply of the command in hand has left the UART, the ROM is not draining its receiver. */
  private rxBlockedUntil = Number.NEGATIVE_INFINITY;
  private rxHeld = 0;
  private erasesSeen = 0;
  private closed = false;
  private readonly flashFile: string | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly env: RomEnv;

  constructor(opts: SimModuleOptions = {}) {
    const seed = opts.seed ?? 1;
    this.clock = opts.clock ?? realSimClock;
    this.rng = seededRng(seed);
    this.timing = resolveTiming(opts.timing);
    this.faults = { ...(opts.faults ?? {}) };
    this.downloadWindowMs = opts.downloadWindowMs ?? 150;
    this.earlyResetClearMs = opts.earlyResetClearMs ?? EARLY_RESET_UPTIME_MS;
    this.rxBufferBytes = opts.rxBufferBytes ?? DEFAULT_RX_BUFFER_BYTES;
    this.uartPath = opts.path ?? `sim:slot${nextSlot++}`;
    this.flashFile = opts.flashFile === undefined ? undefined : path.resolve(opts.flashFile);
    const saved = this.flashFile ? loadFlashFile(this.flashFile) : undefined;
    const savedMac = saved ? macFromTlvSector(saved.subarray(TLV_SECTOR, TLV_SECTOR + 0x1000)) : undefined;
    this.mac = (savedMac ?? opts.mac ?? defaultMac(seed)).toUpperCase();
    this.flash = new NorFlash({
      jedec: opts.flashId,
      sr: opts.initialSr ?? 0x4004,
      protection: opts.protection,
      srWriteMs: opMs(this.timing, this.timing.srWriteMs),
      stuckProtection: this.faults.stuckProtection,
      clock: this.clock,
    });
    if (saved) saved.copy(this.flash.data);
    else if (opts.factoryImage ?? true) writeFactoryImage(this.flash.data, this.mac, seed);
    this.regs = new RomRegisters(opts.chipId ?? 0x7231c);
    this.reader = new RomFrameReader(opts.frameTimeoutMs ?? 50);
    this.link = new UartLink(
      () => this.timing,
      () => this.faults,
      this.rng,
      (bytes, t, byteMs) => this.onChipRx(bytes, t, byteMs),
      this.clock,
    );
    this.env = { flash: this.flash, regs: this.regs, timing: this.timing, brownoutNow: () => this.brownoutNow() };

    this.powerNet = new PadNet('3V3', 'down', this.clock);
    this.cenNet = new PadNet('CEN', 'up', this.clock);
    this.pads = new Map(CB2S_PADS.map((n) => [n, new PadNet(`P${n}`, 'up', this.clock)]));
    if (opts.powered) this.powerNet.setHostDrive(1);
    this.unsubscribe.push(this.powerNet.onChange(() => this.evaluate()));
    this.unsubscribe.push(this.cenNet.onChange(() => this.evaluate()));
    this.evaluate();
  }

  get state(): ModuleState {
    return this.current;
  }

  /** Replaces the fault set at run time (tests, the CLI). */
  setFaults(faults: SimFaults): void {
    this.faults = { ...faults };
    this.flash.stuckProtection = faults.stuckProtection ?? false;
  }

  /** Replaces the timing model at run time. */
  setTiming(choice: TimingChoice): void {
    this.timing = resolveTiming(choice);
    this.env.timing = this.timing;
    this.flash.srWriteMs = opMs(this.timing, this.timing.srWriteMs);
  }

  onLog(cb: (line: string) => void): () => void {
    this.logListeners.add(cb);
    return () => this.logListeners.delete(cb);
  }

  onStateChange(cb: (state: ModuleState) => void): () => void {
    this.stateListeners.add(cb);
    return () => this.stateListeners.delete(cb);
  }

  setFirmware(factory: FirmwareFactory | undefined): void {
    this.firmwareFactory = factory;
  }

  httpUrl(): string | undefined {
    return this.current === 'app' ? this.firmware?.httpUrl : undefined;
  }

  netLogPort(): number | undefined {
    return this.current === 'app' ? this.firmware?.netLogPort : undefined;
  }

  get logUartPath(): string {
    return `${this.uartPath}${LOG_PORT_SUFFIX}`;
  }

  /** A reset pulse without going through the nets (the CLI's pty server, tests). */
  reset(): void {
    this.leave('in-reset');
    this.evaluate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    this.clearTimers();
    this.bootGeneration++;
    const fw = this.firmware;
    this.firmware = undefined;
    this.link.close();
    unregisterModule(this);
    this.setState('off');
    await fw?.stop();
    if (this.flashFile) saveFlashFile(this.flashFile, this.flash.data);
  }

  // --- life cycle ---

  private evaluate(): void {
    if (this.closed) return;
    const powered = this.powerNet.level() === 1;
    const enabled = this.cenNet.level() === 1;
    if (!powered) this.leave('off');
    else if (!enabled) this.leave('in-reset');
    else if (this.current === 'off' || this.current === 'in-reset') this.boot();
  }

  private boot(): void {
    this.reader.reset();
    this.link.chipReset(this.clock.now());
    this.chipBusyUntil = Number.NEGATIVE_INFINITY;
    this.rxBlockedUntil = Number.NEGATIVE_INFINITY;
    this.rxHeld = 0;
    this.setState('rom-listen');
    const gen = this.bootGeneration;
    if (Number.isFinite(this.downloadWindowMs)) {
      this.windowTimer = simTimeout(
        this.clock,
        () => {
          this.windowTimer = undefined;
          if (gen === this.bootGeneration && this.current === 'rom-listen') void this.startApp();
        },
        Math.max(0, this.downloadWindowMs),
      );
    }
  }

  /** Power loss or reset: whatever ran stops, the ROM's UART state is gone. */
  private leave(to: 'off' | 'in-reset'): void {
    if (this.current === to) return;
    const wasApp = this.current === 'app';
    this.clearTimers();
    this.bootGeneration++;
    this.link.chipReset(this.clock.now());
    this.reader.reset();
    if (wasApp) {
      if (this.clock.now() - this.appBootedAt < this.earlyResetClearMs) this.earlyResets++;
      const fw = this.firmware;
      this.firmware = undefined;
      void fw?.stop();
    }
    this.setState(to);
  }

  private async startApp(): Promise<void> {
    const gen = this.bootGeneration;
    this.appBootedAt = this.clock.now();
    this.setState('app');
    this.log('V:BK7231N_1.0.1');
    this.log('J 0x10000');
    this.uptimeTimer = simTimeout(
      this.clock,
      () => {
        this.uptimeTimer = undefined;
        if (gen === this.bootGeneration) this.earlyResets = 0;
      },
      this.earlyResetClearMs,
    );
    const factory = this.firmwareFactory;
    if (!factory) return;
    const ctx: FirmwareContext = {
      pads: this.pads,
      flash: this.flash,
      mac: this.mac,
      clock: this.clock,
      bootedAtMs: this.appBootedAt,
      earlyResets: this.earlyResets,
      log: (line) => {
        if (gen === this.bootGeneration) this.log(line);
      },
    };
    const fw = await factory(ctx);
    if (gen !== this.bootGeneration) {
      await fw?.stop(); // reset while the firmware was starting
      return;
    }
    this.firmware = fw;
  }

  private clearTimers(): void {
    if (this.windowTimer !== undefined) this.clock.clearTimeout(this.windowTimer);
    if (this.uptimeTimer !== undefined) this.clock.clearTimeout(this.uptimeTimer);
    this.windowTimer = undefined;
    this.uptimeTimer = undefined;
  }

  private setState(s: ModuleState): void {
    if (s === this.current) return;
    this.current = s;
    for (const l of [...this.stateListeners]) l(s);
  }

  private log(line: string): void {
    for (const l of [...this.logListeners]) l(line);
  }

  // --- ROM side of UART1 ---

  private onChipRx(bytes: Buffer, tMs: number, byteMs: number): void {
    if (this.current !== 'rom-listen' && this.current !== 'download') return;
    if (this.faults.silent) return;
    if (this.pads.get(RX1_PAD)!.level() === 0) return; // RX1 held low: the receiver sees a break, no bytes
    if (!Number.isFinite(this.rxBufferBytes)) {
      for (const frame of this.reader.push(bytes, tMs)) this.execute(frame, tMs);
      return;
    }
    // Byte by byte: a frame completing inside this chunk makes the chip busy for the bytes after it.
    for (let i = 0; i < bytes.length; i++) {
      const at = tMs - (bytes.length - 1 - i) * byteMs;
      if (at < this.rxBlockedUntil) {
        if (this.rxHeld >= this.rxBufferBytes) {
          this.rxOverruns++;
          continue;
        }
        this.rxHeld++;
      } else {
        this.rxHeld = 0;
      }
      for (const frame of this.reader.push(bytes.subarray(i, i + 1), at)) this.execute(frame, at);
    }
  }

  private execute(frame: RomFrame, arrivedMs: number): void {
    if (this.current !== 'rom-listen' && this.current !== 'download') return;
    if (this.current === 'rom-listen') {
      const linkFrame = frame.form === 'short' && (frame.code === 0x00 || frame.code === 0xaa);
      if (!linkFrame) return;
      this.clearTimers();
      this.setState('download');
    }
    const start = Math.max(arrivedMs, this.chipBusyUntil);
    const outcome = executeRomCommand(frame, this.env);
    switch (outcome.kind) {
      case 'reply': {
        this.chipBusyUntil = start + outcome.afterMs;
        this.rxBlockedUntil = this.link.chipSend(outcome.bytes, this.chipBusyUntil);
        this.rxHeld = 0;
        return;
      }
      case 'set-baud': {
        const switchAt = start + outcome.delayMs;
        this.chipBusyUntil = switchAt;
        this.link.setChipBaud(outcome.baud, switchAt);
        this.rxBlockedUntil = this.link.chipSend(outcome.bytes, switchAt, outcome.baud);
        this.rxHeld = 0;
        return;
      }
      case 'reboot':
      case 'brownout':
        this.leave('in-reset');
        this.evaluate();
        return;
      case 'ignore':
        return;
    }
  }

  private brownoutNow(): boolean {
    this.erasesSeen++;
    return this.faults.brownoutOnErase !== undefined && this.erasesSeen === this.faults.brownoutOnErase;
  }
}

function defaultMac(seed: number): string {
  const rng = seededRng(seed ^ 0x5a5a);
  const tail = [0, 1, 2].map(() =>
    Math.floor(rng() * 256)
      .toString(16)
      .padStart(2, '0'),
  );
  // 02:5A:4D (locally administered bit set: no vendor's OUI) so a simulated unit's record can never
  // be taken for a real module's; Tuya's C8:47:8C is what real CB2S modules carry.
  return ('025a4d' + tail.join('')).toUpperCase();
}

// --- the registry the serialport binding looks ports up in ---

const registry = new Map<string, SimModule>();

export function registerModule(m: SimModule): void {
  const other = registry.get(m.uartPath);
  if (other && other !== m) {
    throw new PlugrigError('E_SIM_PATH', `simulated port ${m.uartPath} already exists`, 'give each simulated module its own path');
  }
  registry.set(m.uartPath, m);
}

export function unregisterModule(m: SimModule): void {
  if (registry.get(m.uartPath) === m) registry.delete(m.uartPath);
}

export function findModule(path: string): SimModule | undefined {
  return registry.get(path);
}

/** The module whose UART2 (log) port is `path` (`<uartPath>:log`). */
export function findLogModule(path: string): SimModule | undefined {
  return path.endsWith(LOG_PORT_SUFFIX) ? registry.get(path.slice(0, -LOG_PORT_SUFFIX.length)) : undefined;
}

export function registeredPaths(): string[] {
  return [...registry.keys()];
}

export { ROM_BAUD };
