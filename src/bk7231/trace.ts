/**
 * A frame trace of a flash session (`--trace <file>`), the record to read when a board misbehaves:
 * one line per frame sent or received, with the session clock's time since the trace started,
 * the direction, the length, the decoded command name and every byte in hex; baud changes, resets
 * and bytes the parser had to throw away are noted in between. Formatting is pure; where the lines
 * go (a file, flushed line by line, in the CLI) is the caller's `write`.
 *
 *     0.000 # plugrig frame trace
 *    12.418 TX    5 LinkCheck 01 e0 fc 01 00
 *    12.530 RX    8 LinkCheck 04 0e 05 01 e0 fc 01 00
 *    40.112 -- baud 921600
 */
import type { Clock } from '../core/clock.js';
import { Cmd, type Reply } from './frames.js';

/** What the transport reports; every method is cheap and never throws. */
export interface FrameTrace {
  /** A frame the host wrote (command or reboot). */
  sent(frame: Uint8Array): void;
  /** A reply the parser accepted. */
  received(reply: Reply): void;
  /** A baud change, a reset, discarded bytes. */
  note(text: string): void;
}

export type TraceEntry = { tMs: number; kind: 'tx' | 'rx'; bytes: Uint8Array; name?: string } | { tMs: number; kind: 'note'; text: string };

const SHORT_NAMES: Record<number, string> = {
  [Cmd.linkCheck]: 'LinkCheck',
  [Cmd.writeReg]: 'WriteReg',
  [Cmd.readReg]: 'ReadReg',
  [Cmd.reboot]: 'Reboot',
  [Cmd.setBaudRate]: 'SetBaudRate',
  [Cmd.checkCrc]: 'CheckCRC',
};

const LONG_NAMES: Record<number, string> = {
  [Cmd.flashWrite4k]: 'FlashWrite4K',
  [Cmd.flashRead4k]: 'FlashRead4K',
  [Cmd.flashReadSr]: 'FlashReadSR',
  [Cmd.flashWriteSr]: 'FlashWriteSR',
  [Cmd.flashGetMid]: 'FlashGetMID',
  [Cmd.flashErase]: 'FlashErase',
};

/** The command a host frame carries (short `01 E0 FC len code`, long `01 E0 FC FF F4 lenLo lenHi code`). */
export function commandName(frame: Uint8Array): string | undefined {
  if (frame.length < 5 || frame[0] !== 0x01 || frame[1] !== 0xe0 || frame[2] !== 0xfc) return undefined;
  if (frame[3] === 0xff && frame[4] === 0xf4) return frame.length >= 8 ? LONG_NAMES[frame[7]!] : undefined;
  return SHORT_NAMES[frame[4]!];
}

/**
 * The command a reply answers. The LinkCheck reply is short code 0x01 with one zero byte; WriteReg's
 * shares the code but echoes address and value (8 bytes).
 */
export function replyName(r: Reply): string | undefined {
  if (r.form === 'long') return LONG_NAMES[r.code];
  if (r.code === 0x01 && r.payload.length === 1) return 'LinkCheck';
  return SHORT_NAMES[r.code];
}

/** The reply's bytes as they were on the wire (the parser keeps only its fields). */
export function replyBytes(r: Reply): Buffer {
  if (r.form === 'short') return Buffer.concat([Buffer.from([0x04, 0x0e, r.payload.length + 4, 0x01, 0xe0, 0xfc, r.code]), r.payload]);
  const n = r.payload.length + 2;
  return Buffer.concat([Buffer.from([0x04, 0x0e, 0xff, 0x01, 0xe0, 0xfc, 0xf4, n & 0xff, n >> 8, r.code, r.status ?? 0]), r.payload]);
}

const hexBytes = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');

/** One line, without its newline. */
export function formatTraceEntry(e: TraceEntry): string {
  const t = e.tMs.toFixed(3).padStart(10);
  if (e.kind === 'note') return `${t} -- ${e.text}`;
  return `${t} ${e.kind === 'tx' ? 'TX' : 'RX'} ${String(e.bytes.length).padStart(4)} ${e.name ?? '?'} ${hexBytes(e.bytes)}`;
}

/** A FrameTrace that formats each event at once and hands the line to `write` (times from `clock`, ms since now). */
export function createFrameTrace(clock: Clock, write: (line: string) => void): FrameTrace {
  const t0 = clock.now();
  const emit = (e: TraceEntry) => write(formatTraceEntry(e));
  return {
    sent: (frame) => emit({ tMs: clock.now() - t0, kind: 'tx', bytes: frame, name: commandName(frame) }),
    received: (reply) => emit({ tMs: clock.now() - t0, kind: 'rx', bytes: replyBytes(reply), name: replyName(reply) }),
    note: (text) => emit({ tMs: clock.now() - t0, kind: 'note', text }),
  };
}
