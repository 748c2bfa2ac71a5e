/**
 * The two wires of UART1 between a host port and the chip, with the timing and failure modes of a
 * real link: every byte costs `bitsPerByte` bit times at the sender's speed, each sender's wire is
 * busy until its previous bytes are out (an absolute clock, so timer lateness never accumulates),
 * bytes sent at one speed and received at another (beyond UART tolerance) arrive as garbage, and
 * the drop/corrupt faults act per byte. The host side is whatever attaches: the in-process serialport
 * binding or the pty server.
 */
import { PlugrigError } from '../core/errors.js';
import type { Rng } from './prng.js';
import type { SimFaults } from './faults.js';
import { realSimClock, type SimClock } from './clock.js';
import { TimedQueue } from './timed-queue.js';
import { wireMs, type TimingModel } from './timing.js';

export interface HostEndpoint {
  /** Bytes that reached the host's receiver. */
  deliver(bytes: Buffer): void;
}

export const ROM_BAUD = 115200;
/** A UART receiver copes with a few percent of speed error; beyond that it samples garbage. */
const BAUD_TOLERANCE = 0.03;

export function baudsMatch(a: number, b: number): boolean {
  return Math.abs(a - b) / Math.max(a, b) <= BAUD_TOLERANCE;
}

/**
 * What a receiver at `rxBaud` makes of bytes sent at `txBaud`: unchanged when the speeds match,
 * otherwise about as many bytes as the receiver's frame clock fits, none of them a frame start
 * (0x01 / 0x04) so garbage can never be mistaken for a frame.
 */
export function garble(bytes: Buffer, txBaud: number, rxBaud: number, rng: Rng): Buffer {
  if (baudsMatch(txBaud, rxBaud)) return bytes;
  const count = Math.max(bytes.length > 0 ? 1 : 0, Math.round((bytes.length * rxBaud) / txBaud));
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    let b = Math.floor(rng() * 256);
    if (b === 0x01 || b === 0x04) b = 0xff;
    out[i] = b;
  }
  return out;
}

export class UartLink {
  hostBaud = ROM_BAUD;
  private chipBaudChanges: { fromMs: number; baud: number }[] = [{ fromMs: Number.NEGATIVE_INFINITY, baud: ROM_BAUD }];
  private hostTxFreeMs = Number.NEGATIVE_INFINITY;
  private chipTxFreeMs = Number.NEGATIVE_INFINITY;
  private readonly toChip: TimedQueue;
  private readonly toHost: TimedQueue;
  private host: HostEndpoint | undefined;
  /** Bytes the host has written since it attached (for the vanish fault). */
  hostBytesWritten = 0;

  constructor(
    private readonly timing: () => TimingModel,
    private readonly faults: () => SimFaults,
    private readonly rng: Rng,
    /** Bytes reaching the chip: `tMs` is when the last one arrived, `byteMs` the time each took on the wire. */
    private readonly onChipRx: (bytes: Buffer, tMs: number, byteMs: number) => void,
    private readonly clock: SimClock = realSimClock,
  ) {
    this.toChip = new TimedQueue(clock);
    this.toHost = new TimedQueue(clock);
  }

  attachHost(endpoint: HostEndpoint, who: string): () => void {
    if (this.host) throw new PlugrigError('E_SIM_BUSY', `${who}: the simulated UART is already in use`, 'close the other port or pty server first');
    this.host = endpoint;
    this.hostBaud = ROM_BAUD;
    this.hostBytesWritten = 0;
    return () => {
      if (this.host === endpoint) this.host = undefined;
    };
  }

  get hostAttached(): boolean {
    return this.host !== undefined;
  }

  /** The chip's UART speed at time t (changes are scheduled by SetBaudRate). */
  chipBaudAt(tMs: number): number {
    let baud = ROM_BAUD;
    for (const c of this.chipBaudChanges) if (c.fromMs <= tMs) baud = c.baud;
    return baud;
  }

  /** Schedules the chip's UART to run at `baud` from `fromMs` on. */
  setChipBaud(baud: number, fromMs: number): void {
    this.chipBaudChanges = this.chipBaudChanges.filter((c) => c.fromMs < fromMs);
    this.chipBaudChanges.push({ fromMs, baud });
    if (this.chipBaudChanges.length > 8) this.chipBaudChanges.splice(1, this.chipBaudChanges.length - 8);
  }

  /** Host transmits; returns the time its last byte leaves the wire (what drain waits for). */
  hostWrite(bytes: Buffer): number {
    const baud = this.hostBaud;
    const start = Math.max(this.clock.now(), this.hostTxFreeMs);
    const due = start + wireMs(this.timing(), bytes.length, baud);
    this.hostTxFreeMs = due;
    this.hostBytesWritten += bytes.length;
    const copy = Buffer.from(bytes);
    this.toChip.push(due, () => {
      const seen = this.applyFaults(garble(copy, baud, this.chipBaudAt(due), this.rng));
      if (seen.length > 0) this.onChipRx(seen, due, wireMs(this.timing(), 1, baud));
    });
    return due;
  }

  hostTxDoneMs(): number {
    return this.hostTxFreeMs;
  }

  /** Chip transmits `bytes` at `baud`, starting no earlier than `notBeforeMs`. Returns the arrival time. */
  chipSend(bytes: Buffer, notBeforeMs: number, baud = this.chipBaudAt(notBeforeMs)): number {
    const start = Math.max(notBeforeMs, this.chipTxFreeMs);
    const due = start + wireMs(this.timing(), bytes.length, baud);
    this.chipTxFreeMs = due;
    const copy = Buffer.from(bytes);
    this.toHost.push(due, () => {
      const seen = this.applyFaults(garble(copy, baud, this.hostBaud, this.rng));
      if (seen.length > 0) this.host?.deliver(seen);
    });
    return due;
  }

  /** Chip reset: anything it has not started sending is lost, its UART is back at 115200. */
  chipReset(atMs: number): void {
    this.toHost.remove((due) => due > atMs);
    this.chipTxFreeMs = Math.min(this.chipTxFreeMs, atMs);
    this.chipBaudChanges = [{ fromMs: Number.NEGATIVE_INFINITY, baud: ROM_BAUD }];
  }

  /** Host side flush (kernel buffers): undelivered host-bound bytes are discarded. */
  flushToHost(): void {
    this.toHost.remove(() => true);
  }

  close(): void {
    this.toChip.clear();
    this.toHost.clear();
    this.host = undefined;
  }

  private applyFaults(bytes: Buffer): Buffer {
    const { dropRate = 0, corruptRate = 0 } = this.faults();
    if (dropRate <= 0 && corruptRate <= 0) return bytes;
    const out: number[] = [];
    for (const b of bytes) {
      if (dropRate > 0 && this.rng() < dropRate) continue;
      out.push(corruptRate > 0 && this.rng() < corruptRate ? b ^ (1 << Math.floor(this.rng() * 8)) : b);
    }
    return Buffer.from(out);
  }
}
