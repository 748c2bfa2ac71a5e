/**
 * The flasher in one object: connect (link, baud switch, identify) on an open serial stream, then
 * info / backup / write / verify / reboot, and close (the port is always released). Every long
 * operation reports progress; every error is a PlugrigError with a stable code.
 */
import type { SerialPortStream } from '@serialport/stream';
import type { Clock } from '../core/clock.js';
import { PlugrigError, throwIfAborted } from '../core/errors.js';
import type { ResetSequence } from '../rig/types.js';
import { switchBaud } from './baud.js';
import { Chip } from './commands.js';
import { chipCrc } from './crc.js';
import { hex } from './frames.js';
import { identify, type ChipIdentity } from './identify.js';
import { acquireLink, type LinkOptions, type LinkResult } from './link.js';
import { BLOCK, SECTOR, crcPieces } from './plan.js';
import type { ProgressFn } from './progress.js';
import { readStatus, requirePart, unprotect } from './protect.js';
import { readRange } from './read.js';
import type { FrameTrace } from './trace.js';
import { Transport } from './transport.js';
import { writeJob, type WriteResult } from './write.js';

export interface FlasherOptions {
  /** Open at 115200 (the ROM's speed). */
  port: SerialPortStream;
  /** Link resets in order (CEN pulse, power cycle); empty = bare port. */
  resets?: readonly ResetSequence[];
  /** Speed for the session after the link, default 921600. */
  baudRate?: number;
  /** Device presence check for the unplug watchdog (real ports). */
  alive?: () => boolean | Promise<boolean>;
  signal?: AbortSignal;
  progress?: ProgressFn;
  log?: (line: string) => void;
  link?: Partial<Omit<LinkOptions, 'resets' | 'signal' | 'log'>>;
  /** Requests kept in flight (1 = stop-and-wait, the default: the ROM is not known to buffer while busy). */
  pipelineDepth?: number;
  /** Read the eFuse during identification. */
  efuse?: boolean;
  /**
   * Every deadline, wait and rate of the session (default realClock). Tests pass the VirtualClock
   * the simulated module runs on.
   */
  clock?: Clock;
  /** Sees every frame, baud change and reset (`--trace`); see createFrameTrace. */
  trace?: FrameTrace;
}

export interface FlashOptions {
  offset: number;
  diff?: boolean;
  reboot?: boolean;
}

export interface VerifyResult {
  equal: boolean;
  start: number;
  length: number;
  /** Sector addresses whose chip CRC differs from the image (empty when equal). */
  differing: number[];
}

export class Flasher {
  private constructor(
    readonly transport: Transport,
    readonly chip: Chip,
    readonly identity: ChipIdentity,
    readonly link: LinkResult,
    private readonly opts: FlasherOptions,
  ) {}

  /** Links, switches speed and identifies; on any failure the port is closed before the error is thrown. */
  static async connect(opts: FlasherOptions): Promise<Flasher> {
    const transport = new Transport(opts.port, {
      baudRate: opts.port.baudRate ?? 115200,
      ...(opts.alive ? { alive: opts.alive } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.trace ? { trace: opts.trace } : {}),
    });
    try {
      const link = await acquireLink(transport, {
        ...opts.link,
        resets: opts.resets ?? [],
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.log ? { log: opts.log } : {}),
      });
      const chip = new Chip(transport, opts.signal);
      await switchBaud(transport, opts.baudRate ?? 921600, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.log ? { log: opts.log } : {}) });
      const id = await identify(chip, { efuse: opts.efuse ?? false });
      return new Flasher(transport, chip, id, link, opts);
    } catch (e) {
      await transport.close().catch(() => undefined);
      throw e;
    }
  }

  private get depth(): number {
    return this.opts.pipelineDepth ?? 1;
  }

  /** Reads [start, start+length) (default: the whole flash), every sector CRC-checked. */
  async read(start = 0, length = this.identity.flashSize): Promise<Buffer> {
    throwIfAborted(this.opts.signal, 'read');
    if (start + length > this.identity.flashSize) {
      throw new PlugrigError(
        'E_READ_RANGE',
        `0x${hex(start)}+0x${hex(length)} is past the ${this.identity.flashSize / 1024} KiB flash`,
        'read inside the flash',
      );
    }
    return readRange(this.chip, start, length, { depth: Math.min(this.depth, 16), ...(this.opts.progress ? { progress: this.opts.progress } : {}) });
  }

  /** Status register as read (for info). Refuses unknown parts. */
  async status(): Promise<number> {
    return readStatus(this.chip, requirePart(this.identity.jedec));
  }

  /** Unprotects, writes `data` at `offset`, verifies by CRC, reboots unless told not to. */
  async write(data: Buffer, opts: FlashOptions): Promise<WriteResult & { srBefore: number }> {
    throwIfAborted(this.opts.signal, 'write');
    const part = requirePart(this.identity.jedec);
    const sr = await unprotect(this.chip, part, this.opts.signal ? { signal: this.opts.signal } : {});
    if (sr.written) this.opts.log?.(`protect: SR 0x${hex(sr.before, 4)} → 0x${hex(sr.after, 4)}`);
    const result = await writeJob(
      this.chip,
      { offset: opts.offset, data, flashSize: this.identity.flashSize },
      {
        diff: opts.diff ?? false,
        depth: this.depth,
        ...(this.opts.progress ? { progress: this.opts.progress } : {}),
        ...(this.opts.log ? { log: this.opts.log } : {}),
      },
    );
    if (opts.reboot ?? true) await this.reboot();
    return { ...result, srBefore: sr.before };
  }

  /** Compares the flash with `data` at `offset` by chip CRC: whole range first, then per sector. */
  async verify(data: Buffer, offset: number): Promise<VerifyResult> {
    throwIfAborted(this.opts.signal, 'verify');
    if (offset + data.length > this.identity.flashSize) {
      throw new PlugrigError('E_IMAGE_TOO_LARGE', `image at 0x${hex(offset)} ends past the flash`, 'check the image and offset');
    }
    const device = await this.chip.crc(offset, data.length);
    if (device === chipCrc(data)) return { equal: true, start: offset, length: data.length, differing: [] };
    const differing: number[] = [];
    for (const p of crcPieces(offset, data.length, SECTOR)) {
      const mine = chipCrc(data.subarray(p.start - offset, p.start - offset + p.length));
      if ((await this.chip.crc(p.start, p.length)) !== mine) differing.push(p.start);
    }
    return { equal: false, start: offset, length: data.length, differing };
  }

  /** The session's clock (the one given, or realClock). */
  get clock(): Clock {
    return this.transport.clock;
  }

  async reboot(): Promise<void> {
    this.transport.note('reboot');
    await this.chip.reboot();
  }

  /** Releases the port. Safe to call more than once. */
  async close(): Promise<void> {
    await this.transport.close();
  }
}

export { BLOCK, SECTOR };
