/**
 * The frame trace: pure formatting of frames and notes, and what a session against the simulated
 * module writes (the LinkCheck request and reply bytes of the protocol, the baud switch, the reset).
 */
import { describe, test, expect, afterEach } from '@jest/globals';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { encode } from '../../src/bk7231/frames.js';
import { commandName, createFrameTrace, formatTraceEntry, replyBytes, replyName } from '../../src/bk7231/trace.js';
import { ReplyParser } from '../../src/bk7231/frames.js';
import { simFlasher } from './sim-rig.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('trace formatting', () => {
  test('a LinkCheck request and its reply, with time, direction, length, name and bytes', () => {
    expect(formatTraceEntry({ tMs: 12.4181, kind: 'tx', bytes: encode.linkCheck(), name: commandName(encode.linkCheck()) })).toBe(
      '    12.418 TX    5 LinkCheck 01 e0 fc 01 00',
    );
    const [reply] = new ReplyParser().push(hex('04 0E 05 01 E0 FC 01 00'));
    expect(replyBytes(reply!).equals(hex('04 0E 05 01 E0 FC 01 00'))).toBe(true);
    expect(formatTraceEntry({ tMs: 12.53, kind: 'rx', bytes: replyBytes(reply!), name: replyName(reply!) })).toBe(
      '    12.530 RX    8 LinkCheck 04 0e 05 01 e0 fc 01 00',
    );
    expect(formatTraceEntry({ tMs: 40, kind: 'note', text: 'baud 921600' })).toBe('    40.000 -- baud 921600');
  });

  test('long frames: names from the long table, replies re-encoded byte for byte', () => {
    expect(commandName(encode.flashErase(0x20, 0x11000))).toBe('FlashErase');
    expect(commandName(encode.flashGetMid())).toBe('FlashGetMID');
    expect(commandName(encode.reboot())).toBe('Reboot');
    expect(commandName(hex('00 11 22'))).toBeUndefined();
    const wire = hex('04 0E FF 01 E0 FC F4 06 00 07 00 00 10 01 00');
    const [reply] = new ReplyParser().push(wire);
    expect(replyName(reply!)).toBe('FlashWrite4K');
    expect(replyBytes(reply!).equals(wire)).toBe(true);
    // WriteReg's reply shares code 0x01 with LinkCheck's but echoes 8 bytes.
    const [wr] = new ReplyParser().push(hex('04 0E 0C 01 E0 FC 01 74 00 80 00 01 00 00 00'));
    expect(replyName(wr!)).toBe('WriteReg');
  });

  test('times are the clock’s ms since the trace started', () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const lines: string[] = [];
    const trace = createFrameTrace(clock, (l) => lines.push(l));
    clock.advance(2.5);
    trace.sent(encode.linkCheck());
    clock.advance(1000);
    trace.note('reset');
    expect(lines).toEqual(['     2.500 TX    5 LinkCheck 01 e0 fc 01 00', '  1002.500 -- reset']);
  });
});

describe('a session against the simulated module', () => {
  test('writes every frame: link checks, their reply, the reset, the baud switch, the identify commands', async () => {
    const clock = new VirtualClock();
    const lines: string[] = [];
    const { flasher } = await simFlasher(cleanups, { mac: 'C8478C112233' }, { trace: createFrameTrace(clock, (l) => lines.push(l)) }, clock);
    await flasher.reboot();
    const body = lines.map((l) => l.slice(11));
    expect(body).toContain("-- reset 'cen-pulse' (cen=0; wait 100ms; cen=z)");
    expect(body).toContain('TX    5 LinkCheck 01 e0 fc 01 00');
    expect(body).toContain('RX    8 LinkCheck 04 0e 05 01 e0 fc 01 00');
    expect(body).toContain('TX   10 SetBaudRate 01 e0 fc 06 0f 00 10 0e 00 14');
    expect(body).toContain('-- baud 921600');
    expect(body).toContain('TX    9 ReadReg 01 e0 fc 05 03 00 00 80 00');
    expect(body.some((l) => /^RX {3}15 ReadReg 04 0e 0c 01 e0 fc 03 00 00 80 00 1c 23 07 00$/.test(l))).toBe(true);
    expect(body.filter((l) => l.startsWith('TX    6 Reboot'))).toHaveLength(3);
    // Times never go backwards.
    const times = lines.map((l) => Number(l.slice(0, 10)));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
