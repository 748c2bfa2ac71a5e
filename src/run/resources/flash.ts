/**
 * t.flash: flashing from inside a plan (an upgrade test), on the same flasher session the flash
 * phases use (run/flash-phases.ts: openFlasher, bootAndWait; the bk7231 Flasher writes and checks).
 * One write is: wait out the early-reset guard, link, write (only the sectors that differ with
 * `diff`), compare the chip's CRC of the range with the image's, release the port, boot through the
 * rig's boot sequence, wait for the HTTP address. Success is never reported without that read-back
 * CRC being equal.
 */
import { readFile } from 'node:fs/promises';
import { sleep } from '../../core/clock.js';
import { PlugrigError } from '../../core/errors.js';
import type { FlashApi, FlashImageInfo, FlashWriteOptions, FlashWriteResult } from '../../core/resources.js';
import { chipCrc } from '../../bk7231/crc.js';
import { hex } from '../../bk7231/frames.js';
import { checkImageFits, describeImage, type FirmwareImage } from '../../bk7231/image.js';
import type { BootGuard } from '../../rig/boot-guard.js';
import { bootAndWait, openFlasher, type FlashRig } from '../flash-phases.js';

export interface RigFlashOptions {
  /** Session speed after the link (default 921600, as `--baud`). */
  baudRate?: number;
  pipelineDepth?: number;
  /** How long the flashed firmware may take to serve HTTP after the boot sequence (default 20 s). */
  bootTimeoutMs?: number;
  /** The run's abort signal (Ctrl-C, an operator's abort); each write also takes its phase's. */
  signal?: AbortSignal;
  /** The image the run was given, exposed as t.flash.runImage. */
  runImage?: { image: FirmwareImage; offset: number };
  /** Where the flasher's own lines go (link attempts, protection changes). */
  log?: (line: string) => void;
}

const BYTES_NAME = '(bytes)';

/** Reads and classifies the image; anything not recognisable as BK7231 firmware is refused, naming it. */
async function loadImage(image: string | Uint8Array): Promise<FirmwareImage> {
  if (typeof image !== 'string') {
    if (!(image instanceof Uint8Array)) {
      throw new PlugrigError(
        'E_FLASH_IMAGE',
        't.flash.write: give a file path or the image bytes (Uint8Array)',
        "e.g. t.flash.write('build/OpenBK7231N_QIO_1.18.0.bin')",
      );
    }
    return refuseRaw(describeImage(BYTES_NAME, Buffer.from(image.buffer, image.byteOffset, image.byteLength)), BYTES_NAME);
  }
  let data: Buffer;
  try {
    data = await readFile(image);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlugrigError(
      'E_FLASH_IMAGE',
      `${image}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(e)})`}`,
      'pass the path of the firmware .bin (relative to the directory plugrig runs in)',
    );
  }
  return refuseRaw(describeImage(image, data), image);
}

function refuseRaw(img: FirmwareImage, shown: string): FirmwareImage {
  if (img.data.length === 0) throw new PlugrigError('E_FLASH_IMAGE', `${shown} is empty`, 'pass the firmware .bin file');
  if (img.kind === 'raw') {
    throw new PlugrigError(
      'E_FLASH_IMAGE',
      `${shown} is not a BK7231 firmware image (no OpenBK7231N/T build tag in it, no _QIO_/_UA_ in its name)`,
      'pass an OpenBeken build, e.g. OpenBK7231N_QIO_<version>.bin',
    );
  }
  return img;
}

export function rigFlash(rig: FlashRig & { bootGuard?: BootGuard }, o: RigFlashOptions = {}): FlashApi {
  const runImage: FlashImageInfo | undefined = o.runImage
    ? { name: o.runImage.image.name, sha256: o.runImage.image.sha256, offset: o.runImage.offset, data: o.runImage.image.data }
    : undefined;
  let busy = false;

  const write = async (image: string | Uint8Array, w: FlashWriteOptions = {}): Promise<FlashWriteResult> => {
    if (!rig.boot) {
      throw new PlugrigError(
        'E_NO_RESOURCE',
        `t.flash.write: rig ${rig.name} has no boot sequence to start the flashed firmware`,
        'add "boot" to the rig file',
      );
    }
    if (busy) throw new PlugrigError('E_FLASH_BUSY', 't.flash.write: another write is still running', 'await each t.flash.write before the next');
    busy = true;
    try {
      const img = await loadImage(image);
      const offset = w.offset ?? img.defaultOffset;
      const signals = [w.signal, o.signal].filter((s): s is AbortSignal => s !== undefined);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      // The link resets the chip: a reset this soon after a boot would count toward OpenBeken's safe mode.
      const left = rig.bootGuard?.remainingMs() ?? 0;
      if (left > 0) await sleep(rig.clock, left, signal, 't.flash.write: early-reset guard');
      const flasher = await openFlasher(rig, {
        ...(o.baudRate !== undefined ? { baudRate: o.baudRate } : {}),
        ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
        ...(signal ? { signal } : {}),
        ...(o.log ? { log: o.log } : {}),
      });
      let written: { written: number; skipped: number };
      let crc: number;
      try {
        checkImageFits(img, offset, flasher.identity.flashSize);
        written = await flasher.write(img.data, { offset, diff: w.diff ?? false, reboot: false });
        // The write checked what it wrote; this is the whole range read back, as the verify phase does.
        const v = await flasher.verify(img.data, offset);
        if (!v.equal) {
          throw new PlugrigError(
            'E_VERIFY_MISMATCH',
            `${img.name}: after writing, the chip's CRC differs in ${v.differing.length} sector(s): ${v.differing.map((a) => `0x${hex(a)}`).join(', ')}`,
            'flash again; if it persists the flash may be worn or protected',
          );
        }
        crc = chipCrc(img.data); // equal to what the chip answered in verify()
      } finally {
        await flasher.close().catch(() => undefined);
      }
      const found = await bootAndWait(rig, { timeoutMs: o.bootTimeoutMs ?? 20_000, ...(signal ? { signal } : {}) });
      return {
        name: img.name,
        sha256: img.sha256,
        bytes: img.data.length,
        offset,
        sectorsWritten: written.written,
        sectorsSkipped: written.skipped,
        crc: hex(crc, 8),
        bootMs: Math.round(found.waitedMs),
        url: found.url,
      };
    } finally {
      busy = false;
    }
  };

  return { available: rig.boot !== undefined, ...(runImage ? { runImage } : {}), write };
}
