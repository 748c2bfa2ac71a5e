/**
 * The baud switch against a scripted chip on serialport's mock binding: the chip only hears and
 * is only heard at matching speeds, so a lost switch shows as silence just as on a wire.
 */
import { describe, test, expect, afterEach } from '@jest/globals';
import { switchBaud } from '../../src/bk7231/baud.js';
import { closeMockTransports, mockTransportOn, openMockPort } from './mock-port.js';

const LINK_REPLY = Buffer.from('040e0501e0fc0100', 'hex');
afterEach(closeMockTransports);

/** `switches(attempt)` says whether the chip obeys the Nth SetBaudRate. */
async function scriptedChip(switches: (attempt: number) => boolean) {
  const port = await openMockPort();
  const binding = port.port!;
  let hostBaud = 115200;
  let chipBaud = 115200;
  let setBaudFrames = 0;
  const send = (bytes: Buffer, atBaud: number, afterMs = 2) =>
    setTimeout(() => {
      if (hostBaud === atBaud && port.isOpen) binding.emitData(bytes);
    }, afterMs);
  const origUpdate = binding.update.bind(binding);
  binding.update = async (o) => {
    hostBaud = o.baudRate;
    return origUpdate(o);
  };
  const origWrite = binding.write.bind(binding);
  binding.write = async (buf: Buffer) => {
    await origWrite(buf);
    if (hostBaud !== chipBaud) return; // garbage at the chip's receiver
    if (buf.equals(Buffer.from('01e0fc0100', 'hex'))) send(LINK_REPLY, chipBaud);
    else if (buf[4] === 0x0f && buf[3] === 0x06) {
      setBaudFrames++;
      if (!switches(setBaudFrames)) return;
      const target = buf.readUInt32LE(5);
      chipBaud = target;
      // A stale link reply first, then the echo, both at the new speed (§6.4).
      send(Buffer.concat([LINK_REPLY, Buffer.from([0x04, 0x0e, 0x09, 0x01, 0xe0, 0xfc, 0x0f]), buf.subarray(5, 10)]), target, buf[9]! + 2);
    }
  };
  const t = mockTransportOn(port, { marginMs: 60 });
  return { t, frames: () => setBaudFrames, chipBaud: () => chipBaud };
}

describe('baud switch', () => {
  test('tolerates the stale link reply in front of the echo', async () => {
    const chip = await scriptedChip(() => true);
    const t0 = performance.now();
    await switchBaud(chip.t, 921600, { delayMs: 10 });
    expect(performance.now() - t0).toBeLessThan(300); // the echo itself, not the fallback probe
    expect(chip.t.baudRate).toBe(921600);
    expect(chip.frames()).toBe(1);
  });

  test('a switch the chip missed: back to 115200, retried, then at speed', async () => {
    const chip = await scriptedChip((attempt) => attempt >= 2);
    const log: string[] = [];
    await switchBaud(chip.t, 2000000, { delayMs: 10, log: (l) => log.push(l) });
    expect(chip.frames()).toBe(2);
    expect(chip.t.baudRate).toBe(2000000);
    expect(log.join('\n')).toMatch(/back to 115200/);
  });

  test('a speed the chip never takes: E_BAUD after the bounded attempts, host back at 115200', async () => {
    const chip = await scriptedChip(() => false);
    await expect(switchBaud(chip.t, 3000000, { delayMs: 10, attempts: 3 })).rejects.toMatchObject({ code: 'E_BAUD' });
    expect(chip.frames()).toBe(3);
    expect(chip.t.baudRate).toBe(115200);
    expect(chip.chipBaud()).toBe(115200);
  });
});
