/** Chip → host reply framing (docs/bk7231n-download-protocol.md §2.3, §2.4). */

/** `04 0E LEN 01 E0 FC CODE payload`, LEN = 4 + payload length; no status byte. */
export function shortReply(code: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from([0x04, 0x0e, 4 + payload.length, 0x01, 0xe0, 0xfc, code]), payload]);
}

/** `04 0E FF 01 E0 FC F4 LENlo LENhi CODE STATUS payload`, LEN = 2 + payload length. */
export function longReply(code: number, status: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const len = 2 + payload.length;
  const head = Buffer.from([0x04, 0x0e, 0xff, 0x01, 0xe0, 0xfc, 0xf4, len & 0xff, len >> 8, code, status]);
  return Buffer.concat([head, payload]);
}

export function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
