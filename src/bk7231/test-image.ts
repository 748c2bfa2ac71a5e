/**
 * A generated firmware image for the default job and the benchmarks: laid out like a BK7231N QIO
 * image (bootloader area from 0x0, application from 0x11000), with code-like bytes broken by 0xFF
 * gaps, and the build tag `OpenBK7231N_<version>` in the application so the simulated module boots
 * it as OpenBeken. Deterministic for a given seed, so two runs flash the same bytes.
 */
import { describeImage, type FirmwareImage } from './image.js';

export interface TestImageOptions {
  size?: number;
  version?: string;
  seed?: number;
}

export const APP_OFFSET = 0x11000;

/** xorshift32: small, fast and deterministic; quality is irrelevant here. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function generateTestImage(opts: TestImageOptions = {}): Buffer {
  const size = opts.size ?? 640 * 1024;
  const version = opts.version ?? '1.0.0-plugrig';
  if (size < APP_OFFSET + 4096) throw new RangeError(`test image must be at least ${APP_OFFSET + 4096} bytes`);
  const next = rng(opts.seed ?? 0x7231c);
  const img = Buffer.alloc(size, 0xff);
  // Code-like content: runs of 16-bit-ish instruction words with a skewed byte distribution,
  // interrupted by erased gaps (0xFF runs) as linkers leave between sections.
  let at = 0;
  while (at < size) {
    const run = 512 + (next() % 12288);
    const end = Math.min(size, at + run);
    for (let i = at; i < end; i += 2) {
      const r = next();
      img[i] = (r & 0x3f) | ((r >>> 8) & 0xc0 & (r >>> 16));
      if (i + 1 < end) img[i + 1] = 0x40 + ((r >>> 24) % 0x80);
    }
    at = end;
    if (next() % 4 === 0) at += 4096 * (1 + (next() % 3)); // an erased gap, often sector-sized
  }
  const tag = Buffer.from(`OpenBK7231N_${version}\0`, 'ascii');
  tag.copy(img, APP_OFFSET + 0x100);
  return img;
}

/** The image a job flashes when the user names none, with how records show its path. */
export function defaultTestImage(): { data: FirmwareImage; shownPath: string } {
  return { data: describeImage('OpenBK7231N_QIO_test.bin', generateTestImage()), shownPath: '(generated test image)' };
}
