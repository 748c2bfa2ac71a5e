/**
 * The pty server with the REAL serialport binding (as any tool on the machine would open it).
 * Needs python3 (the pty helper); skipped with a printed reason when it is missing.
 */
import { describe, expect } from '@jest/globals';
import { SerialPort } from 'serialport';
import { createSimModule, startPtyServer, type PtyServer, type SimModule } from '../../src/sim/index.js';
import { closeAfterEach, hex, LINK_CHECK, LINK_REPLY } from './host.js';
import { havePython } from '../cli/pty-module.js';
import { testIf } from '../support/describe-if.js';

const ptyTest = testIf(havePython, 'the pty tests: python3 (with pty/termios) is not installed — apt-get install python3');

const cleanup = closeAfterEach();

async function serve(opts: Parameters<typeof createSimModule>[0] = {}): Promise<{ module: SimModule; server: PtyServer }> {
  const module = createSimModule({ timing: 'fast', powered: true, downloadWindowMs: Number.POSITIVE_INFINITY, ...opts });
  const server = await startPtyServer(module);
  cleanup.push(async () => {
    await server.close();
    await module.close();
  });
  return { module, server };
}

async function openPort(
  path: string,
): Promise<{ port: SerialPort; read: (n: number, ms?: number) => Promise<Buffer>; collect: (ms: number) => Promise<Buffer> }> {
  const port = await new Promise<SerialPort>((res, rej) => {
    const p: SerialPort = new SerialPort({ path, baudRate: 115200 }, (e) => (e ? rej(e) : res(p)));
  });
  cleanup.unshift(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
  let buf = Buffer.alloc(0);
  port.on('data', (d: Buffer) => (buf = Buffer.concat([buf, d])));
  const read = async (n: number, ms = 2000) => {
    const end = Date.now() + ms;
    while (buf.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
    if (buf.length < n) throw new Error(`got ${buf.length}/${n}: ${buf.toString('hex')}`);
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
  const collect = async (ms: number) => {
    await new Promise((r) => setTimeout(r, ms));
    const out = buf;
    buf = Buffer.alloc(0);
    return out;
  };
  return { port, read, collect };
}

/**
 * The pty helper is a separate process that polls termios and the session every 5 ms: under load it
 * notices late. Wait for what it must have seen, with a deadline, never for a fixed time.
 */
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const write = (port: SerialPort, b: Buffer) => new Promise<void>((res, rej) => port.write(b, (e) => (e ? rej(e) : port.drain((e2) => (e2 ? rej(e2) : res())))));

describe('pty server', () => {
  ptyTest('a tool on the pty links, reads the chip id and a 4 KiB page', async () => {
    const { module, server } = await serve();
    expect(server.path).toMatch(/^\/dev\/pts\/\d+$/);
    const { port, read } = await openPort(server.path);
    await write(port, LINK_CHECK);
    expect((await read(8)).equals(LINK_REPLY)).toBe(true);
    await write(port, hex('01 E0 FC 05 03 00 00 80 00'));
    expect((await read(15)).equals(hex('04 0E 0C 01 E0 FC 03 00 00 80 00 1C 23 07 00'))).toBe(true);
    await write(port, hex('01 E0 FC FF F4 05 00 09 00 10 01 00'));
    const page = await read(4111);
    expect(page.subarray(15).equals(module.flash.read(0x11000, 4096))).toBe(true);
  });

  ptyTest('the speed the tool sets on the pty is seen: SetBaudRate then update() keeps talking; a mismatch does not', async () => {
    const { server } = await serve();
    const { port, read, collect } = await openPort(server.path);
    await write(port, LINK_CHECK);
    await read(8);
    await write(port, hex('01 E0 FC 06 0F 00 10 0E 00 C8')); // 921600, echo after 200 ms: room for a late helper
    await new Promise((r) => setTimeout(r, 25));
    await new Promise<void>((res, rej) => port.update({ baudRate: 921600 }, (e) => (e ? rej(e) : res())));
    expect((await read(12)).equals(hex('04 0E 09 01 E0 FC 0F 00 10 0E 00 C8'))).toBe(true);
    expect(server.hostBaud()).toBe(921600);
    await write(port, LINK_CHECK);
    expect((await read(8)).equals(LINK_REPLY)).toBe(true);
    // the tool goes back to 115200 without telling the chip: garbage both ways
    await new Promise<void>((res, rej) => port.update({ baudRate: 115200 }, (e) => (e ? rej(e) : res())));
    await until('the helper sees the tool back at 115200', () => server.hostBaud() === 115200);
    await write(port, LINK_CHECK);
    expect((await collect(50)).includes(LINK_REPLY)).toBe(false);
  });

  ptyTest('each new session starts from a reset chip at 115200', async () => {
    const { module, server } = await serve();
    const first = await openPort(server.path);
    await write(first.port, LINK_CHECK);
    await first.read(8);
    await write(first.port, hex('01 E0 FC 06 0F 00 10 0E 00 C8')); // 921600, echo after 200 ms
    await new Promise((r) => setTimeout(r, 20));
    await new Promise<void>((res) => first.port.update({ baudRate: 921600 }, () => res()));
    await first.read(12);
    await new Promise<void>((r) => first.port.close(() => r()));
    const states: string[] = [];
    module.onStateChange((s) => states.push(s));
    const second = await openPort(server.path);
    // the new session resets the chip as soon as the helper notices it; talk only after that
    await until('the chip reset for the new session', () => states.includes('rom-listen'));
    await write(second.port, LINK_CHECK);
    expect((await second.read(8)).equals(LINK_REPLY)).toBe(true);
    expect(states.slice(0, 2)).toEqual(['in-reset', 'rom-listen']);
  });
});
