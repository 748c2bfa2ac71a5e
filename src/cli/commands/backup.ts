/**
 * plugrig backup [<file|dir/>] — read the flash (whole 2 MiB by default), every sector CRC-checked
 * on the chip. Without a file: kept in the record store's backups by sector content, indexed by MAC
 * (`plugrig restore <MAC>` writes it back); a MAC that already has one is not backed up again. With
 * a file or directory: one file named with the MAC and a content hash, verified on disk.
 */
import { normalizeMac } from '../../core/mac.js';
import { PlugrigError } from '../../core/errors.js';
import { backupPath, saveVerified } from '../../bk7231/backup-file.js';
import { hex } from '../../bk7231/frames.js';
import { flag, numberOption } from '../args.js';
import { describeKept, keepInStore } from '../backup-keep.js';
import type { Command } from '../command.js';
import { SESSION_OPTIONS, SESSION_USAGE, formatMac, stopwatch, withSession, writeOutcome } from '../flash-session.js';
import { storeDirOption } from '../store-option.js';

export const command: Command = {
  name: 'backup',
  summary: 'read the whole flash into the backup store (or a verified file)',
  usage:
    `plugrig backup [<file|dir/>] ${SESSION_USAGE} [--store <dir>] [--offset <addr>] [--length <bytes>] [--no-reboot]  ` +
    '(no file: kept in the store by sector content, for plugrig restore <MAC>; {mac} and {hash} in a file name are filled in; --offset/--length need a file)',
  options: {
    ...SESSION_OPTIONS,
    store: { type: 'string' },
    offset: { type: 'string' },
    length: { type: 'string' },
    'no-reboot': { type: 'boolean' },
  },
  positionals: [0, 1],
  async run(args, io) {
    const target = args.positionals[0];
    if (target === undefined) {
      if (args.values.offset !== undefined || args.values.length !== undefined) {
        throw new PlugrigError('E_USAGE', 'backup: --offset and --length need a file', 'the backup store keeps whole flashes; give a file to keep part of one');
      }
      const storeDir = storeDirOption(args, io);
      return withSession(args, io, async (s) => {
        const elapsed = stopwatch(s.flasher.clock);
        const b = await keepInStore(s.flasher, storeDir, s.flasher.clock);
        if (!flag(args, 'no-reboot')) await s.flasher.reboot();
        const secs = elapsed();
        const k = b.kept;
        const summary = {
          mac: normalizeMac(b.mac) ?? b.mac, // 12 hex digits in JSON, as in records
          kept: k !== undefined,
          index: b.where,
          sha256: k?.manifest.sha256 ?? null,
          sectorsNew: k?.sectorsWritten ?? 0,
          sectorsShared: k?.sectorsShared ?? 0,
          sectorsBlank: k?.sectorsBlank ?? 0,
          seconds: secs,
        };
        writeOutcome(s, io, summary, `${describeKept(b)}, ${secs.toFixed(1)} s\n`);
        return 0;
      });
    }
    const offset = numberOption(args, 'offset', 0, { min: 0 });
    if (offset % 0x1000 !== 0) throw new PlugrigError('E_USAGE', `--offset 0x${hex(offset)} is not 4 KiB aligned`, 'use a multiple of 0x1000');
    return withSession(args, io, async (s) => {
      const size = s.flasher.identity.flashSize;
      const length = numberOption(args, 'length', size - offset, { min: 0x1000, max: size - offset });
      if (length % 0x1000 !== 0) throw new PlugrigError('E_USAGE', `--length ${length} is not a multiple of 4 KiB`, 'use a multiple of 0x1000');
      const elapsed = stopwatch(s.flasher.clock);
      const data = await s.flasher.read(offset, length);
      const saved = await saveVerified(await backupPath(target, s.flasher.identity.mac, data), data);
      if (!flag(args, 'no-reboot')) await s.flasher.reboot();
      const secs = elapsed();
      const summary = { file: saved.path, sha256: saved.sha256, offset, length, mac: s.flasher.identity.mac ?? null, seconds: secs };
      const text = `backup of 0x${hex(offset)}+0x${hex(length)} (MAC ${formatMac(s.flasher.identity.mac)}) → ${saved.path}\nsha256 ${saved.sha256}, ${secs.toFixed(1)} s\n`;
      writeOutcome(s, io, summary, text);
      return 0;
    });
  },
};
