/**
 * What `plugrig backup` (without a file) and `plugrig flash --backup` share with the backup phase:
 * the whole flash read, CRC-checked on the chip once more, and kept in the store's sector-content
 * backups, indexed by MAC. A MAC that already has a backup is not backed up again.
 */
import { PlugrigError } from '../core/errors.js';
import { chipCrc } from '../bk7231/crc.js';
import type { Flasher } from '../bk7231/flasher.js';
import { hex } from '../bk7231/frames.js';
import { BackupStore, backupLocation, type KeepResult } from '../report/store/backup-store.js';

export interface KeptBackup {
  mac: string;
  /** Undefined when the MAC already had a backup (nothing was read). */
  kept?: KeepResult;
  /** Where the manifest is indexed: `<db>#<MAC>`. */
  where: string;
}

export async function keepInStore(flasher: Flasher, storeDir: string, clock: { wallNow(): number }): Promise<KeptBackup> {
  const mac = flasher.identity.mac;
  if (!mac) {
    throw new PlugrigError(
      'E_BACKUP_NO_MAC',
      'the unit has no MAC record: its backup could not be indexed',
      'keep it in a file instead: plugrig backup <file>',
    );
  }
  const location = backupLocation(storeDir);
  const store = BackupStore.open(location);
  try {
    const where = `${location.db}#${mac}`;
    if (store.has(mac)) return { mac, where };
    const data = await flasher.read(0, flasher.identity.flashSize);
    // Every sector was CRC-checked as it was read; one more whole-flash CRC proves nothing moved.
    const chip = await flasher.chip.crc(0, data.length);
    if (chip !== chipCrc(data)) {
      throw new PlugrigError(
        'E_BACKUP_CRC',
        `the flash read back with CRC 0x${hex(chipCrc(data), 8)} but the chip reports 0x${hex(chip, 8)}`,
        'the flash changed while it was read, or the link corrupts data; nothing was kept or erased',
      );
    }
    return { mac, where, kept: await store.keep(data, { mac, takenAt: clock.wallNow(), crc: chip }) };
  } finally {
    store.close();
  }
}

/** One line for the console. */
export function describeKept(b: KeptBackup): string {
  if (!b.kept) return `a backup of ${b.mac} is already kept (${b.where}); not backed up again`;
  const k = b.kept;
  return `backup of ${b.mac} kept (${b.where}): ${k.sectorsWritten} new sectors, ${k.sectorsShared} shared, ${k.sectorsBlank} blank; sha256 ${k.manifest.sha256}`;
}
