/**
 * The simulated flash kept in a file between processes. A file of the wrong size is refused with a
 * clear error rather than silently replaced: it may be someone's backup placed there by mistake.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PlugrigError } from '../core/errors.js';

export const SIM_FLASH_SIZE = 0x200000;

export function loadFlashFile(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PlugrigError('E_SIM_FLASH_FILE', `cannot read the simulated flash ${file}: ${(e as Error).message}`, 'check its permissions or remove it');
  }
  if (data.length !== SIM_FLASH_SIZE) {
    throw new PlugrigError(
      'E_SIM_FLASH_FILE',
      `the simulated flash ${file} has ${data.length} bytes, expected ${SIM_FLASH_SIZE}`,
      'remove the file to start from the factory image, or point sim.flashFile elsewhere',
    );
  }
  return data;
}

/** Atomic: write beside, then rename, so a crash never leaves half a flash. */
export function saveFlashFile(file: string, data: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
