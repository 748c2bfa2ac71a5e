/**
 * What the simulator's two serial ports (UART1 in binding.ts, the UART2 log in log-port.ts) share:
 * the open options a real binding reports, a queue of received bytes and the one pending read the
 * serialport stream makes at a time, woken when bytes arrive and failed when the port closes.
 */
import type { BindingPortInterface, OpenOptions, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-cpp';
import type { SimModule } from './module.js';

/** The error a read pending on a closed port rejects with (what @serialport/stream ignores). */
function canceledError(message: string): Error {
  return Object.assign(new Error(message), { canceled: true });
}

export abstract class SimPortBase implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private received: Buffer[] = [];
  /** Bytes queued and not yet read. */
  private pending = 0;
  private reader: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    protected readonly module: SimModule,
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
  }

  /** Releases what the port holds on the module; called once, by close(). */
  protected abstract detach(): void;

  /** Throws when `op` may not run now; the base knows only a closed port. */
  protected assertUsable(op: string): void {
    if (!this.isOpen) throw canceledError(`${op}: port is closed`);
  }

  /** Queues bytes for the host; beyond `maxPending` bytes the oldest are lost (a FIFO overrun). */
  protected enqueue(bytes: Buffer, maxPending = Number.POSITIVE_INFINITY): void {
    this.received.push(bytes);
    this.pending += bytes.length;
    while (this.pending > maxPending && this.received.length > 1) this.pending -= this.received.shift()!.length;
    const r = this.reader;
    this.reader = undefined;
    r?.resolve();
  }

  /** Drops every byte not yet read. */
  protected discardReceived(): void {
    this.received = [];
    this.pending = 0;
  }

  /** Rejects the pending read, if any. */
  protected failReader(e: Error): void {
    const r = this.reader;
    this.reader = undefined;
    r?.reject(e);
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.detach();
    this.failReader(canceledError('Canceled'));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    this.assertUsable('read');
    while (this.received.length === 0) {
      if (this.reader) throw new Error('a read is already pending');
      await new Promise<void>((resolve, reject) => {
        this.reader = { resolve, reject };
      });
      this.assertUsable('read');
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

  abstract write(buffer: Buffer): Promise<void>;
  abstract update(options: UpdateOptions): Promise<void>;
  abstract set(options: SetOptions): Promise<void>;
  abstract get(): Promise<PortStatus>;
  abstract getBaudRate(): Promise<{ baudRate: number }>;
  abstract flush(): Promise<void>;
  abstract drain(): Promise<void>;
}
