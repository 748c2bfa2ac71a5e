/**
 * Test helper: the host side of a simulated module's UART, through the REAL SerialPortStream over
 * simBinding, with one persistent 'data' listener and a byte buffer (nothing is lost between reads).
 */
import { SerialPortStream } from '@serialport/stream';
import { simBinding } from '../../src/sim/index.js';

export class Host {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  closedWith: Error | null | undefined;

  private constructor(readonly port: SerialPortStream) {
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

  static async open(path: string, baudRate = 115200): Promise<Host> {
    const port = new SerialPortStream({ binding: simBinding, path, baudRate, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    return new Host(port);
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

  /** Exactly n bytes, or rejects after timeoutMs with what arrived so far. */
  async read(n: number, timeoutMs = 1000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closedWith !== undefined) {
        throw new Error(`read: got ${this.buf.length}/${n} bytes: ${this.buf.toString('hex')}`);
      }
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiter = () => {
          clearTimeout(t);
          res();
        };
      });
      this.waiter = undefined;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Everything received within `ms`. */
  async collect(ms: number): Promise<Buffer> {
    await new Promise((r) => setTimeout(r, ms));
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
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

/** A powered module held in the ROM (window never expires), fast timing unless overridden, with a host port open. */
export async function heldChip(opts: SimModuleOptions = {}): Promise<{ module: SimModule; host: Host; done: () => Promise<void> }> {
  const module = createSimModule({ timing: 'fast', powered: true, downloadWindowMs: Number.POSITIVE_INFINITY, ...opts });
  const host = await Host.open(module.uartPath);
  return {
    module,
    host,
    done: async () => {
      await host.close();
      await module.close();
    },
  };
}

/** Link as a flasher does: one LinkCheck, expect its reply. */
export async function link(host: Host): Promise<void> {
  const r = await host.request(LINK_CHECK, 8);
  if (!r.equals(LINK_REPLY)) throw new Error(`bad link reply ${r.toString('hex')}`);
}
