/**
 * What a CB2S carries when it leaves the Tuya factory, close enough for a flasher and a backup to
 * meet realistic content: a bootloader at 0x0–0x10FFF, a Tuya app at 0x11000 with code-like bytes,
 * 0xFF gaps and readable strings, an empty OTA area, the RF/TLV sector at 0x1D0000 holding the MAC
 * (docs/bk7231n-download-protocol.md §7.4, §10.1) and some Tuya key-value storage. Deterministic for a given seed.
 */
import { seededRng, type Rng } from './prng.js';

export const TLV_SECTOR = 0x1d0000;
export const APP_START = 0x11000;
const BOOTLOADER_CODE_END = 0xb400;
const APP_CODE_END = 0x0f3000;
const KVS_START = 0x1d3000;

/** Fills `out` with bytes that look like Thumb-2 code: halfwords with instruction-ish high bytes. */
function codeLike(out: Buffer, start: number, end: number, rng: Rng): void {
  const opHigh = [0x46, 0x68, 0x60, 0xb5, 0xbd, 0xf0, 0xf8, 0x2b, 0xd1, 0xd0, 0x4b, 0xe7, 0x30, 0x1c, 0x9b, 0x22];
  let x = Math.floor(rng() * 0xffffffff) | 1; // xorshift32 inline: this fills a megabyte
  for (let a = start; a + 1 < end; a += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[a] = x & 0xff;
    out[a + 1] = (x >>> 8) % 5 !== 0 ? opHigh[(x >>> 16) & 15]! : (x >>> 24) & 0xff;
  }
}

function putAscii(out: Buffer, at: number, text: string): number {
  out.write(text + '\0', at, 'latin1');
  return at + text.length + 1;
}

/** The TLV/RF sector: `TLV\0` header, then the MAC record (02 11 11 11 06 00 00 00 + 6 bytes) at 0x1C. */
export function writeMacSector(flash: Buffer, macHex: string, base = TLV_SECTOR): void {
  flash.fill(0xff, base, base + 0x1000);
  Buffer.from([0x54, 0x4c, 0x56, 0x00]).copy(flash, base);
  flash.writeUInt32LE(0x1c, base + 4); // length of the records that follow (as a plausible header)
  Buffer.from([0x00, 0x11, 0x11, 0x11, 0x0c, 0x00, 0x00, 0x00]).copy(flash, base + 0x08); // an RF calibration record
  Buffer.from([0x02, 0x11, 0x11, 0x11, 0x06, 0x00, 0x00, 0x00]).copy(flash, base + 0x1c);
  Buffer.from(macHex, 'hex').copy(flash, base + 0x24);
}

/** Generated images by seed and MAC: many modules in one process (tests, multi-slot rigs) share the work. */
const cache = new Map<string, Buffer>();

/** Writes the whole stock image into an erased buffer of at least 2 MiB. */
export function writeFactoryImage(flash: Buffer, macHex: string, seed = 0x7231c): void {
  const key = `${seed}:${macHex}:${flash.length}`;
  let image = cache.get(key);
  if (!image) {
    image = Buffer.alloc(flash.length, 0xff);
    generate(image, macHex, seed);
    if (cache.size >= 4) cache.delete(cache.keys().next().value!);
    cache.set(key, image);
  }
  image.copy(flash);
}

function generate(flash: Buffer, macHex: string, seed: number): void {
  const rng = seededRng(seed);
  // Bootloader: vector table, code, version string, padding.
  codeLike(flash, 0x100, BOOTLOADER_CODE_END, rng);
  for (let v = 0; v < 0x40; v += 4) flash.writeUInt32LE(0x00000100 + v * 8 + 1, v);
  putAscii(flash, 0xa000, 'BK7231N_1.0.1');
  putAscii(flash, 0xa020, 'wait uart download timeout');
  // App: code in chunks separated by 0xFF gaps (unused alignment), strings in a rodata area.
  let a = APP_START;
  while (a < APP_CODE_END) {
    const chunk = 0x4000 + Math.floor(rng() * 0x8000);
    const end = Math.min(APP_CODE_END, a + chunk);
    codeLike(flash, a, end, rng);
    a = end + (rng() < 0.5 ? 0x100 + Math.floor(rng() * 0x400) : 0); // leave a gap of 0xFF now and then
  }
  let s = 0xe0000;
  for (const text of [
    'Tuya IoT OS',
    'tuya_iot_wf_nw_cfg',
    'Tuya device init',
    'BK7231N',
    'tuya_hal_system_reset',
    'ty_cJSON',
    'smart plug',
    'mqtt client connect',
    'a.tuyaeu.com',
    'm1.tuyaeu.com',
    '1.0.6',
    'Tuya',
    'tuya_key',
  ])
    s = putAscii(flash, s, text) + 3;
  // Tuya key-value storage: a few encrypted-looking records, the rest erased.
  for (let k = 0; k < 4; k++) {
    const at = KVS_START + k * 0x1000;
    for (let i = 0; i < 0x200; i++) flash[at + i] = Math.floor(rng() * 256);
  }
  writeMacSector(flash, macHex);
}

/** Reads the MAC back the way tools do (ltchiptool, docs/bk7231n-download-protocol.md §7.4); undefined if the record is absent. */
export function macFromTlvSector(sector: Buffer): string | undefined {
  const tag = Buffer.from([0x02, 0x11, 0x11, 0x11, 0x06, 0x00, 0x00, 0x00]);
  if (!sector.subarray(0x1c, 0x24).equals(tag)) return undefined;
  return sector.subarray(0x24, 0x2a).toString('hex').toUpperCase();
}
