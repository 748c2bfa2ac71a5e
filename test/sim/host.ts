/**
 * Test helper: the host side of a simulated module's UART, through the REAL SerialPortStream over
 * simBinding, with one persistent 'data' listener and a byte buffer (nothing is lost between reads).
 * Its waits run on the clock the module runs on: one VirtualClock for both unless a test measures
 * the real clock on purpose.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { SerialPortStream } from '@serialport/stream';
import { sleep, type Clock } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { simBinding } from '../../src/sim/index.js';

export class Host {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  closedWith: Error | null | undefined;

  private constructor(
    readonly port: SerialPortStream,
    readonly clock: Clock,
  ) {
    port.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    port.on('close', (err: Error | null) => {
      // a disconnect closes twice: first with the DisconnectedError, then plainly; keep the error
      if (err || this.closedWith === undefined) this.closedWith = err ?? null;
      this.waiter?.();
    });
    port.on('error', () => {});
  }

  static async open(path: string, clock: Clock, baudRate = 115200): Promise<Host> {
    const port = new SerialPortStream({ binding: simBinding, path, baudRate, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    return new Host(port, clock);
  }

  write(bytes: Buffer | number[]): Promise<void> {
    const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    return new Promise((res, rej) => this.port.write(b, (e) => (e ? rej(e) : res())));
  }

  drain(): Promise<void> {
    return new Promise((res, rej) => this.port.drain((e) => (e ? rej(e) : res())));
  }

  setBaud(baudRate: number): Promise<void> {
    return new Promise((res, rej) => this.port.update({ baudRate }, (e) => (e ? rej(e) : res())));
  }

  /**
   * SetBaudRate as a flasher does it: send the frame, wait until it is on the wire plus `switchAfterMs`,
   * switch this side, and return the 12-byte echo the chip sends at the new speed.
   */
  async setBaudRate(frame: Buffer, baudRate: number, switchAfterMs: number): Promise<Buffer> {
    await this.write(frame);
    await this.drain();
    if (switchAfterMs > 0) await this.wait(switchAfterMs);
    await this.setBaud(baudRate);
    return this.read(12);
  }

  /** Exactly n bytes, or rejects after timeoutMs (on the host's clock) with what arrived so far. */
  async read(n: number, timeoutMs = 1000): Promise<Buffer> {
    const deadline = this.clock.now() + timeoutMs;
    for (let turns = 0; this.buf.length < n; turns++) {
      const left = deadline - this.clock.now();
      if (left <= 0 || this.closedWith !== undefined || turns > 1_000_000) {
        throw new Error(`read: got ${this.buf.length}/${n} bytes: ${this.buf.toString('hex')}`);
      }
      await new Promise<void>((res) => {
        const t = this.clock.setTimeout(res, left);
        this.waiter = () => {
          this.clock.clearTimeout(t);
          res();
        };
      });
      this.waiter = undefined;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Everything received within `ms` (on the host's clock). */
  async collect(ms: number): Promise<Buffer> {
    await this.wait(ms);
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }

  /** A pause on the host's clock. */
  wait(ms: number): Promise<void> {
    return sleep(this.clock, ms);
  }

  discard(): void {
    this.buf = Buffer.alloc(0);
  }

  async request(bytes: Buffer | number[], replyLen: number, timeoutMs = 1000): Promise<Buffer> {
    await this.write(bytes);
    return this.read(replyLen, timeoutMs);
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((res) => this.port.close(() => res()));
  }
}

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

import { createSimModule, type SimModule, type SimModuleOptions } from '../../src/sim/index.js';

export const LINK_CHECK = hex('01E0FC0100');
export const LINK_REPLY = hex('040E0501E0FC0100');

/**
 * A powered module held in the ROM (window never expires), fast timing unless overridden, with a
 * host port open; host and module share `opts.clock`, by default a new VirtualClock.
 */
export async function heldChip(
  opts: Omit<SimModuleOptions, 'clock'> & { clock?: Clock } = {},
): Promise<{ module: SimModule; host: Host; clock: Clock; done: () => Promise<void> }> {
  const clock = opts.clock ?? new VirtualClock();
  const module = createSimModule({ timing: 'fast', powered: true, downloadWindowMs: Number.POSITIVE_INFINITY, ...opts, clock });
  const host = await Host.open(module.uartPath, clock);
  return {
    module,
    host,
    clock,
    done: async () => {
      await host.close();
      await module.close();
      if (clock instanceof VirtualClock) clock.stop();
    },
  };
}

/** Link as a flasher does: one LinkCheck, expect its reply. */
export async function link(host: Host): Promise<void> {
  const r = await host.request(LINK_CHECK, 8);
  if (!r.equals(LINK_REPLY)) throw new Error(`bad link reply ${r.toString('hex')}`);
}

/**
 * Registers jest hooks that give every test (or, with `per: 'file'`, the whole file) a held chip
 * already linked. Read `module` and `host` through the returned object: they change per test.
 */
export function linkedChip(opts: Parameters<typeof heldChip>[0] = {}, per: 'test' | 'file' = 'test'): { readonly module: SimModule; readonly host: Host } {
  let chip: Awaited<ReturnType<typeof heldChip>> | undefined;
  (per === 'test' ? beforeEach : beforeAll)(async () => {
    chip = await heldChip(opts);
    await link(chip.host);
  });
  (per === 'test' ? afterEach : afterAll)(() => chip?.done());
  const current = () => {
    if (!chip) throw new Error('linkedChip used outside a test');
    return chip;
  };
  return {
    get module() {
      return current().module;
    },
    get host() {
      return current().host;
    },
  };
}

/** A list of closers that an afterEach hook empties, in order, after every test of the file. */
export function closeAfterEach(): Array<() => Promise<void>> {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  return closers;
}
