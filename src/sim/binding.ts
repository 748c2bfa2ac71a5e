/**
 * A serialport binding (@serialport/bindings-interface) whose ports are simulated modules' UART1,
 * found by path ("sim:slot0"). The real SerialPortStream runs over it unchanged:
 *   new SerialPortStream({ binding: simBinding, path: module.uartPath, baudRate: 115200 })
 * Writes resolve once "the OS" has the bytes, drain() when the last byte has left the wire, reads
 * return what reached the host's receiver. The vanish fault makes the port fail like an unplugged
 * USB adapter: the write in flight and every later one reject with EIO, a pending read rejects.
 */
import type { BindingInterface, OpenOptions, PortInfo, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-cpp';
import { findLogModule, findModule, registeredPaths, type SimModule } from './module.js';
import { SimLogPort } from './log-port.js';
import { SimPortBase } from './port-base.js';
import { sleepUntil } from './timed-queue.js';

function ioError(message: string): Error {
  return Object.assign(new Error(message), { code: 'EIO', errno: -5 });
}

export class SimPort extends SimPortBase {
  private vanished = false;
  private readonly unplug: () => void;

  constructor(module: SimModule, options: OpenOptions) {
    super(module, options);
    this.unplug = module.link.attachHost({ deliver: (b) => this.onData(b) }, options.path);
    module.link.hostBaud = options.baudRate;
  }

  /** Pulls the plug now (also triggered by the vanishAfterHostBytes fault). */
  vanish(): void {
    if (this.vanished) return;
    this.vanished = true;
    this.discardReceived();
    this.failReader(ioError('EIO: i/o error, read'));
  }

  protected detach(): void {
    this.unplug();
  }

  async write(buffer: Buffer): Promise<void> {
    this.assertUsable('write');
    if (buffer.length === 0) return;
    const limit = this.module.faults.vanishAfterHostBytes;
    if (limit !== undefined) {
      const room = limit - this.module.link.hostBytesWritten;
      if (room < buffer.length) {
        if (room > 0) this.module.link.hostWrite(buffer.subarray(0, room));
        this.vanish();
        throw ioError('EIO: i/o error, write');
      }
    }
    this.module.link.hostWrite(buffer);
  }

  async update(options: UpdateOptions): Promise<void> {
    this.assertUsable('update');
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) throw new TypeError(`"baudRate" must be a positive integer, got ${options.baudRate}`);
    this.module.link.hostBaud = options.baudRate;
    this.discardReceived(); // Linux tcflush(TCIOFLUSH)es on a standard-rate change
  }

  /** Modem lines are not wired to anything on the simulated module (reset goes through CEN). */
  async set(_options: SetOptions): Promise<void> {
    this.assertUsable('set');
  }

  async get(): Promise<PortStatus> {
    this.assertUsable('get');
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.assertUsable('getBaudRate');
    return { baudRate: this.module.link.hostBaud };
  }

  async flush(): Promise<void> {
    this.assertUsable('flush');
    this.discardReceived();
    this.module.link.flushToHost();
  }

  async drain(): Promise<void> {
    this.assertUsable('drain');
    await sleepUntil(this.module.clock, this.module.link.hostTxDoneMs());
    this.assertUsable('drain');
  }

  private onData(bytes: Buffer): void {
    if (!this.isOpen || this.vanished) return;
    this.enqueue(bytes);
  }

  protected override assertUsable(op: string): void {
    super.assertUsable(op);
    if (this.vanished) throw ioError(`EIO: i/o error, ${op}`);
  }
}

/** The in-process binding: `open` finds the module registered under `path`. */
export const simBinding: BindingInterface<SimPort | SimLogPort, OpenOptions, PortInfo> = {
  async list(): Promise<PortInfo[]> {
    return registeredPaths()
      .flatMap((p) => [p, `${p}:log`])
      .map((path) => ({
        path,
        manufacturer: 'plugrig simulator',
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
      }));
  },
  async open(options: OpenOptions): Promise<SimPort | SimLogPort> {
    if (!options || typeof options.path !== 'string') throw new TypeError('"path" is not a valid port');
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) throw new TypeError('"baudRate" is not a valid baudRate');
    const logOf = findLogModule(options.path);
    if (logOf) {
      // UART2 (TX2, the firmware's log): a second port of the same module
      if (SimLogPort.busy(logOf)) throw new Error('Error Resource temporarily unavailable Cannot lock port');
      return new SimLogPort(logOf, options);
    }
    const module = findModule(options.path);
    if (!module) throw new Error(`No such file or directory, cannot open ${options.path}`);
    if (module.link.hostAttached) throw new Error('Error Resource temporarily unavailable Cannot lock port');
    return new SimPort(module, options);
  },
};
