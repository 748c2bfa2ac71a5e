/** The simulated firmware's log faults and its UART2 port in the sim binding. */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { SerialPortStream } from '@serialport/stream';
import { generateTestImage } from '../../../src/bk7231/test-image.js';
import { sleep } from '../../../src/core/clock.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { openBekenFirmware, parseObkSimFaults } from '../../../src/sim/firmware/index.js';
import { createSimModule, simBinding } from '../../../src/sim/index.js';

const clock = new VirtualClock();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(() => clock.stop());

describe('log faults', () => {
  test('crash-after needs its uptime; boot-loop defaults to 2 s', () => {
    expect(parseObkSimFaults(['crash-after:30']).crashAfterS).toBe(30);
    expect(parseObkSimFaults(['boot-loop']).crashAfterS).toBe(2);
    expect(parseObkSimFaults(['boot-loop:3']).crashAfterS).toBe(3);
    expect(() => parseObkSimFaults(['crash-after'])).toThrow(/"crash-after": give the uptime of the crash in seconds/);
    expect(() => parseObkSimFaults(['crash-after:0'])).toThrow(/at least 1 s/);
  });
});

describe("UART2 as the binding's <uartPath>:log port", () => {
  async function open(baudRate: number) {
    const m = createSimModule({ timing: 'fast', factoryImage: false, downloadWindowMs: 20, clock });
    generateTestImage({ version: '1.18.0-plugrig' }).copy(m.flash.data, 0);
    m.setFirmware(openBekenFirmware());
    cleanups.push(() => m.close());
    const port = new SerialPortStream({ binding: simBinding, path: m.logUartPath, baudRate });
    await new Promise<void>((resolve, reject) => port.once('open', resolve).once('error', reject));
    cleanups.push(() => new Promise<void>((r) => port.close(() => r())));
    const got: Buffer[] = [];
    port.on('data', (b: Buffer) => got.push(b));
    return { m, port, text: () => Buffer.concat(got).toString('latin1') };
  }

  test('at 115200 the host reads the lines, CR LF ended; a second opener is refused', async () => {
    const { m, text } = await open(115200);
    expect(m.logUartPath).toBe(`${m.uartPath}:log`);
    m.powerNet.setHostDrive(1);
    await sleep(clock, 1100);
    expect(text()).toContain('V:BK7231N_1.0.1\r\nJ 0x10000\r\nInfo:MAIN:Main_Init_Before_Delay\r\n');
    expect(text()).toMatch(/Info:MAIN:Time 1, [^\r]*\r\n/);
    await expect(simBinding.open({ path: m.logUartPath, baudRate: 115200 })).rejects.toThrow(/Cannot lock port/);
  });

  test('at another rate it reads garbage, never the text', async () => {
    const { m, text } = await open(9600);
    m.powerNet.setHostDrive(1);
    await sleep(clock, 300);
    expect(text().length).toBeGreaterThan(20);
    expect(text()).not.toMatch(/Main_Init|[\r\n]/);
  });
});
