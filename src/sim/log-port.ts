/**
 * UART2 of a simulated module as a serial port (`<uartPath>:log`): the TX2 test pad, where
 * OpenBeken writes its log at 115200 8N1. The host only listens: bytes it writes go to RX2, which
 * the firmware does not read by default, so they are dropped. A host at another baud rate reads
 * what a UART would then read: framing garbage, never the text.
 */
import type { OpenOptions, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-cpp';
import type { SimModule } from './module.js';
import { SimPortBase } from './port-base.js';

/** OpenBeken's log rate (the SDK's debug UART). */
export const LOG_BAUD = 115200;
/** Bytes kept for a host that does not read; older ones are lost (a UART FIFO overruns). */
const MAX_PENDING = 256 * 1024;

const attached = new WeakSet<SimModule>();

/** What a receiver at the wrong rate makes of a byte: deterministic, never printable text. */
function garble(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((b) => 0x80 | ((b * 7) & 0x7f)));
}

export class SimLogPort extends SimPortBase {
  private readonly unlisten: () => void;
  private baud: number;

  constructor(module: SimModule, options: OpenOptions) {
    super(module, options);
    this.baud = options.baudRate;
    attached.add(module);
    this.unlisten = module.onLog((line) => this.onLine(line));
  }

  static busy(module: SimModule): boolean {
    return attached.has(module);
  }

  private onLine(line: string): void {
    if (!this.isOpen) return;
    const bytes = Buffer.from(`${line}\r\n`, 'latin1');
    this.enqueue(this.baud === LOG_BAUD ? bytes : garble(bytes), MAX_PENDING);
  }

  protected detach(): void {
    this.unlisten();
    attached.delete(this.module);
  }

  /** RX2: nothing on the module reads it by default. */
  async write(_buffer: Buffer): Promise<void> {
    this.assertUsable('write');
  }

  async update(options: UpdateOptions): Promise<void> {
    this.baud = options.baudRate;
    this.discardReceived();
  }

  async set(_options: SetOptions): Promise<void> {}

  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.baud };
  }

  async flush(): Promise<void> {
    this.discardReceived();
  }

  async drain(): Promise<void> {}
}
