/**
 * plugrig flash <image> — unprotect, write (optionally only the sectors that differ), verify by
 * CRC, reboot. With --backup the whole flash is first kept in the store's backups (by sector
 * content, indexed by MAC; skipped when the MAC already has one), verified, before anything is
 * erased. Exit 0 only when the flash verified.
 */
import { hex } from '../../bk7231/frames.js';
import { flag } from '../args.js';
import { describeKept, keepInStore, type KeptBackup } from '../backup-keep.js';
import type { Command } from '../command.js';
import { checkImageFits, loadImage } from '../flash-image.js';
import { SESSION_OPTIONS, SESSION_USAGE, formatMac, sessionClock, withSession } from '../flash-session.js';
import { storeDirOption } from '../store-option.js';

export const command: Command = {
  name: 'flash',
  summary: 'write an image and verify it by CRC',
  usage: `plugrig flash <image.bin> ${SESSION_USAGE} [--offset <addr>] [--diff] [--no-reboot] [--backup [--store <dir>]]  (--backup: keep the flash in the store first; plugrig restore <MAC> writes it back)`,
  options: {
    ...SESSION_OPTIONS,
    offset: { type: 'string' },
    diff: { type: 'boolean' },
    'no-reboot': { type: 'boolean' },
    backup: { type: 'boolean' },
    store: { type: 'string' },
  },
  positionals: [1, 1],
  async run(args, io) {
    const { image, offset } = await loadImage(args, io);
    const storeDir = flag(args, 'backup') ? storeDirOption(args, io) : undefined;
    return withSession(
      args,
      io,
      async (s) => {
        const id = s.flasher.identity;
        checkImageFits(image, offset, id.flashSize);
        const t0 = s.flasher.clock.now();
        let backup: KeptBackup | undefined;
        if (storeDir !== undefined) {
          // Rejects unless the backup is verified on disk: then nothing below erases anything.
          backup = await keepInStore(s.flasher, storeDir, s.flasher.clock);
          s.log(describeKept(backup));
        }
        const r = await s.flasher.write(image.data, { offset, diff: flag(args, 'diff'), reboot: !flag(args, 'no-reboot') });
        const secs = (s.flasher.clock.now() - t0) / 1000;
        const summary = {
          image: image.name,
          sha256: image.sha256,
          kind: image.kind,
          offset: `0x${hex(offset)}`,
          bytes: image.data.length,
          mac: formatMac(id.mac),
          flash: `${id.part?.name ?? 'unknown'} ${id.flashSize / 1024} KiB`,
          sectorsWritten: r.written,
          sectorsSkipped: r.skipped,
          sectorsRepaired: r.repaired.length,
          crc: `0x${hex(r.crc, 8)}`,
          verified: true,
          rebooted: !flag(args, 'no-reboot'),
          backup: backup?.where ?? null,
          seconds: Number(secs.toFixed(2)),
        };
        if (s.json) io.out.write(JSON.stringify(summary, null, 2) + '\n');
        else {
          io.out.write(
            `flashed ${image.name} at 0x${hex(offset)} on ${summary.mac}: ${r.written} sectors written, ${r.skipped} unchanged` +
              `${r.repaired.length ? `, ${r.repaired.length} repaired` : ''}; CRC ${summary.crc} verified in ${secs.toFixed(1)} s\n`,
          );
        }
        return 0;
      },
      sessionClock(io),
    );
  },
};
