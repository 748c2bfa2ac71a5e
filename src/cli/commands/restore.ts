/**
 * plugrig restore <MAC> — writes a unit's kept backup back: the image reassembled from its sector
 * files (each checked by hash, the whole by SHA-256) before the port is even opened, then a full
 * write of the flash verified by CRC like any write. Refuses a unit whose flash size differs, and
 * a unit with another MAC unless --other-unit (that would clone the MAC and calibration).
 */
import { PlugrigError } from '../../core/errors.js';
import { normalizeMac } from '../../core/mac.js';
import { hex } from '../../bk7231/frames.js';
import { BackupStore, backupLocation } from '../../report/store/backup-store.js';
import { flag } from '../args.js';
import type { Command } from '../command.js';
import { SESSION_OPTIONS, SESSION_USAGE, formatMac, stopwatch, withSession, writeOutcome } from '../flash-session.js';
import { storeDirOption } from '../store-option.js';

export const command: Command = {
  name: 'restore',
  summary: "write a unit's kept backup back, verified by CRC",
  usage: `plugrig restore <MAC> ${SESSION_USAGE} [--store <dir>] [--no-reboot] [--other-unit]  (any MAC spelling; --other-unit: write it onto a unit with another MAC)`,
  options: { ...SESSION_OPTIONS, store: { type: 'string' }, 'no-reboot': { type: 'boolean' }, 'other-unit': { type: 'boolean' } },
  positionals: [1, 1],
  async run(args, io) {
    const raw = args.positionals[0]!;
    const mac = normalizeMac(raw);
    if (!mac) throw new PlugrigError('E_USAGE', `restore: "${raw}" is not a MAC address`, 'give 12 hex digits, e.g. C8:47:8C:00:00:01 or c8478c000001');
    // Everything that can be wrong with the backup is found before the unit is touched.
    const store = BackupStore.open(backupLocation(storeDirOption(args, io)), { create: false });
    let backup: Awaited<ReturnType<BackupStore['assemble']>>;
    try {
      backup = await store.assemble(mac);
    } finally {
      store.close();
    }
    const { manifest, data } = backup;
    return withSession(args, io, async (s) => {
      const id = s.flasher.identity;
      if (id.flashSize !== manifest.flashSize) {
        throw new PlugrigError(
          'E_RESTORE_FLASH_SIZE',
          `the unit's flash is ${id.flashSize / 1024} KiB, the backup of ${formatMac(mac)} is ${manifest.flashSize / 1024} KiB`,
          'restore onto a module with the same flash part; nothing was written',
        );
      }
      if (id.mac && id.mac !== mac && !flag(args, 'other-unit')) {
        throw new PlugrigError(
          'E_RESTORE_OTHER_UNIT',
          `the unit on ${s.target} is ${formatMac(id.mac)}, the backup is of ${formatMac(mac)}`,
          'restoring it would give this unit the other MAC and calibration; add --other-unit if that is meant; nothing was written',
        );
      }
      const elapsed = stopwatch(s.flasher.clock);
      // A full write: every sector, then the whole range checked by the chip's CRC (Flasher.write).
      const r = await s.flasher.write(data, { offset: 0, diff: false, reboot: !flag(args, 'no-reboot') });
      const secs = elapsed();
      if (r.crc >>> 0 !== manifest.crc) {
        throw new PlugrigError(
          'E_RESTORE_CRC',
          `the unit verified with CRC 0x${hex(r.crc, 8)}, the backup was taken with 0x${hex(manifest.crc, 8)}`,
          'the backup index and its sectors disagree; check the store',
        );
      }
      const summary = {
        // 12 hex digits in JSON, as in records; colons only in text meant for people
        mac,
        unit: id.mac ?? null,
        takenAt: new Date(manifest.takenAt).toISOString(),
        sha256: manifest.sha256,
        crc: `0x${hex(r.crc, 8)}`,
        bytes: data.length,
        sectorsWritten: r.written,
        verified: true,
        rebooted: !flag(args, 'no-reboot'),
        seconds: Number(secs.toFixed(2)),
      };
      const text =
        `restored the backup of ${summary.mac} (taken ${summary.takenAt}) onto ${s.target}: ${r.written} sectors written, ` +
        `CRC ${summary.crc} verified in ${secs.toFixed(1)} s\n`;
      writeOutcome(s, io, summary, text);
      return 0;
    });
  },
};
