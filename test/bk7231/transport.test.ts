/**
 * Transport behaviour with serialport's mock binding (no device behind it: the test plays the
 * chip by emitting reply bytes): in-order matching of pipelined requests, lost replies, stale
 * frames, deadlines, and a port that goes away.
 */
import { describe, test, expect, afterEach } from '@jest/globals';
import { encode, expect as want } from '../../src/bk7231/frames.js';
import { closeMockTransports, mockTransportOn, openMockPort } from './mock-port.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
afterEach(closeMockTransports);

async function mockTransport(marginMs = 100) {
  const port = await openMockPort(true);
  const t = mockTransportOn(port, { marginMs });
  const emit = (b: Buffer) => port.port!.emitData(b);
  return { t, port, emit };
}

/** A reply frame with a little-endian u32 (CRC, address) written in at byte `at`. */
const replyWith = (frame: string, at: number, v: number) => {
  const b = hex(frame);
  b.writeUInt32LE(v, at);
  return b;
};
const crcReply = (v: number) => replyWith('04 0E 08 01 E0 FC 10 00 00 00 00', 7, v);
const writeReply = (addr: number) => replyWith('04 0E FF 01 E0 FC F4 06 00 07 00 00 00 00 00', 11, addr);

describe('transport', () => {
  test('pipelined requests resolve in order; a stale link reply in between is skipped', async () => {
    const { t, emit } = await mockTransport();
    const a = t.request(encode.checkCrc(0, 0xfff), want.checkCrc(0));
    const b = t.request(encode.checkCrc(0x1000, 0x1fff), want.checkCrc(0x1000));
    emit(Buffer.concat([crcReply(0x11111111), hex('04 0E 05 01 E0 FC 01 00'), crcReply(0x22222222)]));
    expect((await a).payload.readUInt32LE(0)).toBe(0x11111111);
    expect((await b).payload.readUInt32LE(0)).toBe(0x22222222);
    expect(t.staleFrames).toBe(1);
  });

  test('a reply to a later request marks the earlier one lost at once', async () => {
    const { t, emit } = await mockTransport(5000);
    const data = Buffer.alloc(4096, 0xaa);
    const first = t.request(encode.flashWrite4k(0x1000, data), want.flashWrite4k(0x1000));
    const second = t.request(encode.flashWrite4k(0x2000, data), want.flashWrite4k(0x2000));
    const t0 = performance.now();
    emit(writeReply(0x2000));
    await expect(first).rejects.toMatchObject({ code: 'E_REPLY_LOST' });
    await expect(second).resolves.toMatchObject({ code: 0x07, status: 0 });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  test('no reply: E_REPLY_TIMEOUT after wire time + command time + margin', async () => {
    const { t } = await mockTransport(50);
    const t0 = performance.now();
    await expect(t.request(encode.checkCrc(0, 0xfff), want.checkCrc(0), { opMs: 100 })).rejects.toMatchObject({ code: 'E_REPLY_TIMEOUT' });
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(600);
  });

  test('the port closing fails pending and later requests with E_PORT_GONE', async () => {
    const { t, port } = await mockTransport(5000);
    const pending = t.request(encode.linkCheck(), want.linkCheck());
    port.destroy(new Error('EIO: i/o error, read'));
    await expect(pending).rejects.toMatchObject({ code: 'E_PORT_GONE' });
    await expect(t.request(encode.linkCheck(), want.linkCheck())).rejects.toMatchObject({ code: 'E_PORT_GONE' });
  });

  test('the presence watchdog turns a silent unplug into E_PORT_GONE', async () => {
    const port = await openMockPort();
    let present = true;
    const t = mockTransportOn(port, { marginMs: 10_000, alive: () => present, watchdogIntervalMs: 50 });
    const pending = t.request(encode.linkCheck(), want.linkCheck());
    const t0 = performance.now();
    present = false;
    await expect(pending).rejects.toMatchObject({ code: 'E_PORT_GONE' });
    expect(performance.now() - t0).toBeLessThan(500);
  });

  test('abort rejects outstanding requests with E_ABORTED', async () => {
    const { t } = await mockTransport(5000);
    const ac = new AbortController();
    const p = t.request(encode.linkCheck(), want.linkCheck(), { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
  });
});
