/**
 * The realistic timing model: bytes cost 10 bit times at the negotiated speed, flash operations
 * take their configured time, and back-to-back transfers do not accumulate timer drift.
 */
import { describe, test, expect } from '@jest/globals';
import { realClock, type Clock } from '../../src/core/clock.js';
import { closeAfterEach, heldChip, hex, link, type Host } from './host.js';
import { REALISTIC_TIMING } from '../../src/sim/index.js';

const cleanup = closeAfterEach();

/** A held chip at `baud`, on `clock` (default: a virtual clock shared by host and module). */
async function realisticChip(baud: number, timing = {}, clock?: Clock): Promise<Host> {
  const { host, done } = await heldChip({ timing: { ...timing }, clock });
  cleanup.push(done);
  await link(host);
  if (baud !== 115200) {
    // delay 20 ms as the real tools use: a shorter one races the host's own switch on a loaded machine
    const cmd = Buffer.from(hex('01 E0 FC 06 0F 00 00 00 00 14'));
    cmd.writeUInt32LE(baud, 5);
    await host.setBaudRate(cmd, baud, 2);
  }
  return host;
}

const READ_4K = hex('01 E0 FC FF F4 05 00 09 00 10 01 00');
const wireMs = (bytes: number, baud: number) => (bytes * 10 * 1000) / baud;
/** One 4 KiB read at 921600: 12 bytes out, the ROM's command overhead, 4111 bytes back. */
const READ_4K_MS = wireMs(12, 921600) + REALISTIC_TIMING.commandOverheadMs + wireMs(4111, 921600);

describe('realistic timing, in virtual time: exact figures', () => {
  test('a 4 KiB read at 921600 takes its wire time plus the command overhead (12 B out, 4111 B back)', async () => {
    const host = await realisticChip(921600);
    const t0 = host.clock.now();
    await host.request(READ_4K, 4111);
    expect(host.clock.now() - t0).toBeCloseTo(READ_4K_MS, 6); // 44.8 ms
  });

  test('20 back-to-back 4 KiB reads at 921600 take exactly 20 times one (no drift)', async () => {
    const host = await realisticChip(921600);
    const t0 = host.clock.now();
    for (let i = 0; i < 20; i++) await host.request(READ_4K, 4111);
    expect(host.clock.now() - t0).toBeCloseTo(20 * READ_4K_MS, 6);
  });

  test('sector erase takes the configured erase time before the reply', async () => {
    const host = await realisticChip(921600, { sectorEraseMs: 60 });
    await host.request(hex('01 E0 FC FF F4 04 00 0D 01 00 00'), 14); // unprotect
    const t0 = host.clock.now();
    await host.request(hex('01 E0 FC FF F4 06 00 0F 20 00 10 01 00'), 16);
    expect(host.clock.now() - t0).toBeCloseTo(wireMs(13, 921600) + REALISTIC_TIMING.commandOverheadMs + 60 + wireMs(16, 921600), 6);
  });

  test('SetBaudRate: the echo comes after the delay, at the new speed; a host that switches late gets garbage', async () => {
    const host = await realisticChip(115200);
    const t0 = host.clock.now();
    const echo = await host.setBaudRate(hex('01 E0 FC 06 0F 00 10 0E 00 32'), 921600, 25); // 921600, 50 ms; switch at 25
    expect(echo.equals(hex('04 0E 09 01 E0 FC 0F 00 10 0E 00 32'))).toBe(true);
    expect(host.clock.now() - t0).toBeCloseTo(wireMs(10, 115200) + 50 + wireMs(12, 921600), 6);

    // now a second switch the host misses: it stays at 921600 while the chip moves to 2 Mbaud
    await host.write(hex('01 E0 FC 06 0F 80 84 1E 00 05'));
    const junk = await host.collect(40);
    expect(junk.length).toBeGreaterThan(0);
    expect(junk.includes(hex('04 0E 09 01 E0 FC 0F'))).toBe(false);
  });

  test('drain resolves exactly when the last byte has left the wire', async () => {
    const host = await realisticChip(921600);
    const t0 = host.clock.now();
    await host.write(Buffer.concat([hex('01 E0 FC FF F4 05 10 07 00 10 01 00'), Buffer.alloc(4096, 0xff)]));
    await host.drain();
    expect(host.clock.now() - t0).toBeCloseTo(wireMs(4108, 921600), 6);
    await host.read(15);
  });

  test('the realistic defaults are the datasheet typicals the comments cite', () => {
    expect(REALISTIC_TIMING.bitsPerByte).toBe(10);
    expect(REALISTIC_TIMING.sectorEraseMs).toBeGreaterThanOrEqual(40);
    expect(REALISTIC_TIMING.sectorEraseMs).toBeLessThanOrEqual(100);
    expect(REALISTIC_TIMING.blockEraseMs).toBeGreaterThanOrEqual(200);
    expect(REALISTIC_TIMING.pageProgramMs).toBeGreaterThanOrEqual(0.5);
    expect(REALISTIC_TIMING.pageProgramMs).toBeLessThanOrEqual(1);
  });

  test('fast timing: 50 sector reads at 115200 take no simulated time at all', async () => {
    const { host, done } = await heldChip({ timing: 'fast' });
    cleanup.push(done);
    await link(host);
    const t0 = host.clock.now();
    for (let i = 0; i < 50; i++) await host.request(READ_4K, 4111);
    expect(host.clock.now() - t0).toBe(0);
  });
});

/**
 * The same model on the machine's clock, where the timed queue's lead + setImmediate trick keeps
 * timer lateness from adding up. Bounds are loose on purpose (a loaded machine delays timers): the
 * test asserts that nothing arrives early and that lateness does not accumulate per hop.
 */
describe('realistic timing on the real clock', () => {
  // How close to the wire the real clock keeps is a speed figure: bench:flash measures it as a ratio.
  // Here only the property that cannot depend on the machine: never faster than the wire.
  test('20 back-to-back 4 KiB reads at 921600 on the real clock: never faster than the wire', async () => {
    const host = await realisticChip(921600, {}, realClock);
    await host.request(READ_4K, 4111); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await host.request(READ_4K, 4111);
    const took = performance.now() - t0;
    const floor = 20 * READ_4K_MS; // 896 ms
    expect(took).toBeGreaterThanOrEqual(floor - 1);
  });

  test('drain never resolves before the last byte has left the wire', async () => {
    const host = await realisticChip(921600, {}, realClock);
    const t0 = performance.now();
    await host.write(Buffer.concat([hex('01 E0 FC FF F4 05 10 07 00 10 01 00'), Buffer.alloc(4096, 0xff)]));
    await host.drain();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(wireMs(4108, 921600) - 0.5);
    await host.read(15, 5000);
  });
});

describe('receive buffer while the chip is busy', () => {
  const ERASE = hex('01 E0 FC FF F4 06 00 0F 20 00 10 01 00');
  const WRITE = Buffer.concat([hex('01 E0 FC FF F4 05 10 07 00 10 01 00'), Buffer.alloc(4096, 0x5a)]);
  const UNPROTECT = hex('01 E0 FC FF F4 04 00 0D 01 00 00');

  /** Unprotects a realistic-timing chip, then sends erase and write back to back without waiting for the erase. */
  async function pipelineEraseAndWrite(rxBufferBytes?: number) {
    const { module, host, done } = await heldChip({ timing: 'realistic', ...(rxBufferBytes === undefined ? {} : { rxBufferBytes }) });
    cleanup.push(done);
    await link(host);
    await host.request(UNPROTECT, 14);
    await host.write(Buffer.concat([ERASE, WRITE]));
    return { module, host };
  }

  test('unlimited: a write frame sent during the erase is kept and executed', async () => {
    const { module, host } = await pipelineEraseAndWrite(Number.POSITIVE_INFINITY);
    await host.read(16 + 15, 2000);
    expect(module.flash.read(0x11000, 4096).every((b) => b === 0x5a)).toBe(true);
    expect(module.rxOverruns).toBe(0);
  });

  test('default (128-byte FIFO): the same pipelined write overruns the receiver and is lost; stop-and-wait works', async () => {
    const { module, host } = await pipelineEraseAndWrite();
    expect((await host.read(16, 1000)).subarray(9, 10).equals(hex('0F'))).toBe(true);
    expect((await host.collect(100)).length).toBe(0); // the write frame lost most of its bytes: no reply
    // bytes arriving during the 45 ms erase and its 16-byte reply, less the 128 the buffer holds
    const lost = Math.round((REALISTIC_TIMING.sectorEraseMs + wireMs(16, 115200)) / wireMs(1, 115200)) - 128;
    expect(Math.abs(module.rxOverruns - lost)).toBeLessThan(10);
    await host.wait(60); // the ROM's frame receiver times out the partial frame
    await host.request(ERASE, 16);
    expect((await host.request(WRITE, 15, 1000))[10]).toBe(0);
    expect(module.flash.read(0x11000, 4096).every((b) => b === 0x5a)).toBe(true);
  });
});
