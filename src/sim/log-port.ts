/**
 * UART2 of a simulated module as a serial port (`<uartPath>:log`): the TX2 test pad, where
 * OpenBeken writes its log at 115200 8N1. The host only listens: bytes it writes go to RX2, which
 * the firmware does not read by default, so they are dropped. A host at another baud rate reads
 * what a UART would then read: framing garbage, never the text.
 */
import type { BindingPortInterface, OpenOptions, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-cpp';
import type { SimModule } from './module.js';

/** OpenBeken's log rate (the SDK's debug UART). */
export const LOG_BAUD = 115200;
/** Bytes kept for a host that does not read; older ones are lost (a UART FIFO overruns). */
const MAX_PENDING = 256 * 1024;

const attached = new WeakSet<SimModule>();

function canceledError(message: string): Error {
  return Object.assign(new Error(message), { canceled: true });
}

/** What a receiver at the wrong rate makes of a byte: deterministic, never printable text. */
function garble(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((b) => 0x80 | ((b * 7) & 0x7f)));
}

export class SimLogPort implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private received: Buffer[] = [];
  private pending = 0;
  private reader: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private readonly detach: () => void;
  private baud: number;

  constructor(
    private readonly module: SimModule,
    options: OpenOptions,
  ) {
    this.openOptions = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    } as Required<OpenOptions>;
    this.baud = options.baudRate;
    attached.add(module);
    this.detach = module.onLog((line) => this.onLine(line));
  }

  static busy(module: SimModule): boolean {
    return attached.has(module);
  }

  private onLine(line: string): void {
    if (!this.isOpen) return;
    const bytes = Buffer.from(`${line}\r\n`, 'latin1');
    this.received.push(this.baud === LOG_BAUD ? bytes : garble(bytes));
    this.pending += bytes.length;
    while (this.pending > MAX_PENDING && this.received.length > 1) this.pending -= this.received.shift()!.length;
    const r = this.reader;
    this.reader = undefined;
    r?.resolve();
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.detach();
    attached.delete(this.module);
    const r = this.reader;
    this.reader = undefined;
    r?.reject(canceledError('Canceled'));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw canceledError('read: port is closed');
    while (this.received.length === 0) {
      if (this.reader) throw new Error('a read is already pending');
      await new Promise<void>((resolve, reject) => {
        this.reader = { resolve, reject };
      });
    }
    let bytesRead = 0;
    while (bytesRead < length && this.received.length > 0) {
      const head = this.received[0]!;
      const n = Math.min(head.length, length - bytesRead);
      head.copy(buffer, offset + bytesRead, 0, n);
      bytesRead += n;
      this.pending -= n;
      if (n === head.length) this.received.shift();
      else this.received[0] = head.subarray(n);
    }
    return { buffer, bytesRead };
  }

  /** RX2: nothing on the module reads it by default. */
  async write(_buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw canceledError('write: port is closed');
  }

  async update(options: UpdateOptions): Promise<void> {
    this.baud = options.baudRate;
    this.received = [];
    this.pending = 0;
  }

  async set(_options: SetOptions): Promise<void> {}

  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.baud };
  }

  async flush(): Promise<void> {
    this.received = [];
    this.pending = 0;
  }

  async drain(): Promise<void> {}
}
