/**
 * Recognising an OpenBeken image in flash. Rule (documented for the rest of plugrig): the
 * application region, from APP_START up to the config sector, holds the ASCII marker
 * `OpenBK7231N_` followed by a version (plugrig's generated test images carry
 * `OpenBK7231N_<version>` as their build tag). The first occurrence whose next character is
 * printable and not `%` counts (a real image also holds the format string `OpenBK7231N_%02X...`).
 * A Tuya factory image has no such marker, nor does erased flash.
 */
import type { FlashView } from '../types.js';
import { CONFIG_SECTOR } from './config.js';

export const APP_START = 0x11000;
export const IMAGE_MARKER = 'OpenBK7231N_';
const MAX_VERSION_LEN = 48;

/** Fixed build date the simulated firmware reports (a real build prints its compile time). */
export const SIM_BUILD_DATE = 'Nov 29 2026 08:00:00';

export interface ObkImageInfo {
  version: string;
  /** Offset of the marker in flash. */
  at: number;
}

function versionAt(buf: Buffer, start: number): string {
  let end = start;
  while (end < buf.length && end - start < MAX_VERSION_LEN) {
    const c = buf[end]!;
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x5c) break; // printable, no space, quote or backslash
    end++;
  }
  return buf.toString('ascii', start, end);
}

/** Finds the build tag in a buffer that starts at flash offset `base`. */
export function findBuildTag(buf: Buffer, base = 0): ObkImageInfo | undefined {
  const marker = Buffer.from(IMAGE_MARKER, 'ascii');
  let from = 0;
  for (;;) {
    const i = buf.indexOf(marker, from);
    if (i < 0) return undefined;
    const v = versionAt(buf, i + marker.length);
    if (v.length > 0 && !v.startsWith('%')) return { version: v, at: base + i };
    from = i + 1;
  }
}

export function detectOpenBekenImage(flash: FlashView): ObkImageInfo | undefined {
  const end = Math.min(flash.size, CONFIG_SECTOR);
  if (end <= APP_START) return undefined;
  return findBuildTag(flash.read(APP_START, end - APP_START), APP_START);
}

export function buildString(version: string): string {
  return `Built on ${SIM_BUILD_DATE} version ${version}`;
}
