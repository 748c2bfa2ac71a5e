/**
 * The real OS binding over a socat pty pair: open by a symlinked path, exclusive lock, and the
 * presence watchdog noticing an unplug of an idle port (which serialport itself never notices).
 */
import { describe, test, expect, afterEach } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { openSerialPort, createSerialOpener } from '../../src/io/serial.js';

const haveSocat = spawnSync('socat', ['-V']).status === 0;
if (!haveSocat) console.warn('serial-watchdog tests skipped: socat is not installed (apt-get install socat)');
const maybe = haveSocat ? test : test.skip;

let socat: ChildProcess | undefined;
let dir = '';
afterEach(() => {
  socat?.kill('SIGKILL');
  socat = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function ptyPair(): Promise<[string, string]> {
  dir = mkdtempSync(join(tmpdir(), 'plugrig-pty-'));
  const a = join(dir, 'module'),
    b = join(dir, 'rig');
  socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  await new Promise<void>((resolve, reject) => {
    let log = '';
    socat!.once('error', reject);
    socat!.stderr!.on('data', (d: Buffer) => {
      log += d;
      if (log.includes('starting data transfer loop')) resolve();
    });
  });
  return [a, b];
}

describe('serial ports on the OS binding', () => {
  maybe('an idle port whose device vanishes is destroyed with E_PORT_GONE within 2 s', async () => {
    const [, rig] = await ptyPair();
    const port = await openSerialPort({ path: rig, binding: autoDetect(), watchdog: { intervalMs: 200 } }, { baudRate: 115200 });
    const errors: unknown[] = [];
    port.on('error', (e) => errors.push(e));
    const closed = new Promise<void>((r) => port.once('close', () => r()));
    const t0 = Date.now();
    socat!.kill('SIGKILL'); // the pty goes away ...
    unlinkSync(rig); // ... and udev removes the stable name
    await closed;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(errors).toEqual([expect.objectContaining({ code: 'E_PORT_GONE', disconnected: true })]);
    expect(port.destroyed).toBe(true);
  });

  maybe('a second open of a locked port is refused with E_PORT_BUSY; data flows through the first', async () => {
    const [mod, rig] = await ptyPair();
    const opener = createSerialOpener({ path: rig, binding: autoDetect() });
    const port = await opener.open({ baudRate: 115200 });
    await expect(opener.open({ baudRate: 115200 })).rejects.toMatchObject({ code: 'E_PORT_BUSY' });
    const other = await openSerialPort({ path: mod, binding: autoDetect(), watchdog: false }, { baudRate: 115200 });
    const got = new Promise<Buffer>((r) => port.once('data', (d: Buffer) => r(d)));
    other.write(Buffer.from([0x01, 0xe0, 0xfc, 0x01, 0x00]));
    expect([...(await got)]).toEqual([0x01, 0xe0, 0xfc, 0x01, 0x00]);
    await new Promise<void>((r) => port.close(() => r()));
    await new Promise<void>((r) => other.close(() => r()));
  });

  test('a missing path is E_PORT_MISSING naming the path', async () => {
    await expect(openSerialPort({ path: '/dev/serial/by-path/nothing-here', binding: autoDetect() }, { baudRate: 115200 })).rejects.toMatchObject({
      code: 'E_PORT_MISSING',
      message: expect.stringContaining('/dev/serial/by-path/nothing-here'),
    });
  });

  test('an aborted signal refuses to open', async () => {
    await expect(openSerialPort({ path: '/dev/null', binding: autoDetect() }, { baudRate: 115200, signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'E_ABORTED',
    });
  });
});
