/**
 * Chip-side frame hunting (docs/bk7231n-download-protocol.md §2.6): skip anything until `01 E0 FC`, then a short frame
 * (LEN, CODE, payload) or a long one (`FF F4`, 16-bit LEN, CODE, payload). Text and line noise on
 * the wire are ignored. A frame left incomplete for longer than the inter-byte timeout is dropped,
 * as a UART receiver with a timeout would, so one lost byte does not swallow the next commands.
 * Pure: the caller passes the arrival time of each chunk.
 */
export type FrameForm = 'short' | 'long';

export interface RomFrame {
  form: FrameForm;
  code: number;
  payload: Buffer;
}

type Stage = 'hunt1' | 'hunt2' | 'hunt3' | 'len' | 'longMarker' | 'longLenLo' | 'longLenHi' | 'body';

/** The next stage when a header byte must be `want`: a mismatch resyncs, and a 0x01 may already start a new header. */
function expectByte(b: number, want: number, next: Stage): Stage {
  if (b === want) return next;
  return b === 0x01 ? 'hunt2' : 'hunt1';
}

export class RomFrameReader {
  private stage: Stage = 'hunt1';
  private form: FrameForm = 'short';
  private need = 0;
  private body: number[] = [];
  private lastByteMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly interByteTimeoutMs = 50) {}

  /** Feeds bytes that arrived at `tMs`; returns every frame they complete. */
  push(bytes: Uint8Array, tMs: number): RomFrame[] {
    if (this.stage !== 'hunt1' && tMs - this.lastByteMs > this.interByteTimeoutMs) this.reset();
    if (bytes.length > 0) this.lastByteMs = tMs;
    const out: RomFrame[] = [];
    for (const b of bytes) {
      const frame = this.step(b);
      if (frame) out.push(frame);
    }
    return out;
  }

  /** Forgets a partial frame (chip reset, baud change). */
  reset(): void {
    this.stage = 'hunt1';
    this.body = [];
    this.need = 0;
  }

  private step(b: number): RomFrame | undefined {
    switch (this.stage) {
      case 'hunt1':
        if (b === 0x01) this.stage = 'hunt2';
        return undefined;
      case 'hunt2':
        this.stage = expectByte(b, 0xe0, 'hunt3');
        return undefined;
      case 'hunt3':
        this.stage = expectByte(b, 0xfc, 'len');
        return undefined;
      case 'len':
        if (b === 0xff) this.stage = 'longMarker';
        else this.begin('short', b);
        return undefined;
      case 'longMarker':
        this.stage = expectByte(b, 0xf4, 'longLenLo');
        return undefined;
      case 'longLenLo':
        this.need = b;
        this.stage = 'longLenHi';
        return undefined;
      case 'longLenHi':
        this.begin('long', this.need | (b << 8));
        return undefined;
      case 'body':
        this.body.push(b);
        if (this.body.length < this.need) return undefined;
        {
          const [code, ...payload] = this.body;
          const frame: RomFrame = { form: this.form, code: code!, payload: Buffer.from(payload) };
          this.reset();
          return frame;
        }
    }
  }

  /** Starts collecting a body of `len` bytes; a zero length goes back to hunting, since a frame must carry at least its CODE. */
  private begin(form: RomFrame['form'], len: number): void {
    if (len === 0) {
      this.stage = 'hunt1';
      return;
    }
    this.form = form;
    this.need = len;
    this.body = [];
    this.stage = 'body';
  }
}
