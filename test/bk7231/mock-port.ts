/**
 * serialport's mock binding for the transport-level suites: a port the test plays the chip on
 * (`port.port!.emitData`), and Transports over it that are closed after each test.
 */
import { SerialPortMock } from 'serialport';
import { Transport, type TransportOptions } from '../../src/bk7231/transport.js';

let n = 0;
const open: Transport[] = [];

/** An open mock port at 115200 Bd; `record` keeps what the host wrote (port.port!.recording). */
export async function openMockPort(record = false): Promise<SerialPortMock> {
  const path = `/dev/ttyMOCK${n++}`;
  SerialPortMock.binding.createPort(path, { record });
  const port = new SerialPortMock({ path, baudRate: 115200 });
  await new Promise<void>((resolve, reject) => port.on('open', resolve).on('error', reject));
  return port;
}

/** A Transport on `port`, closed by closeMockTransports(). */
export function mockTransportOn(port: SerialPortMock, options: Omit<TransportOptions, 'baudRate'>): Transport {
  const t = new Transport(port as never, { baudRate: 115200, ...options });
  open.push(t);
  return t;
}

/** For afterEach: closes the Transports made here and forgets the mock ports. */
export async function closeMockTransports(): Promise<void> {
  for (const t of open.splice(0)) await t.close().catch(() => undefined);
  SerialPortMock.binding.reset();
}
