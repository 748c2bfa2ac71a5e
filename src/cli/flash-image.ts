/** Reading the image argument and the --offset option for flash and verify. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlugrigError } from '../core/errors.js';
import { checkImageFits, describeImage, type FirmwareImage } from '../bk7231/image.js';
import { numberOption } from './args.js';
import type { CommandIo, ParsedCommandArgs } from './command.js';

/** Reads and classifies an image file; a missing or unreadable file is a one-line error. */
export async function readImageFile(file: string): Promise<FirmwareImage> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlugrigError(
      code === 'ENOENT' ? 'E_IMAGE_MISSING' : 'E_IMAGE_READ',
      `cannot read image ${file}: ${(e as Error).message}`,
      'check the path to the .bin file',
    );
  }
  return describeImage(file, data);
}

export async function loadImage(args: ParsedCommandArgs, io: CommandIo): Promise<{ image: FirmwareImage; offset: number }> {
  const image = await readImageFile(resolve(io.cwd, args.positionals[0]!));
  const offset = numberOption(args, 'offset', image.defaultOffset, { min: 0 });
  // Checked against the common 2 MiB part before touching the port, and again after identify.
  checkImageFits(image, offset, 2 * 1024 * 1024);
  return { image, offset };
}

export { checkImageFits };
