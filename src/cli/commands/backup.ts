/**
 * plugrig backup <file|dir> — read the flash (whole 2 MiB by default), every sector CRC-checked
 * on the chip, into a file named with the MAC and a content hash, verified on disk.
 */
import { PlugrigError } from '../../core/errors.js';
import { backupPath, saveVerified } from '../../bk7231/backup-file.js';
import { hex } from '../../bk7231/frames.js';
import { flag, numberOption } from '../args.js';
import type { Command } from '../command.js';
import { SESSION_OPTIONS, SESSION_USAGE, formatMac, withSession } from '../flash-session.js';

export const command: Command = {
  name: 'backup',
  summary: 'read the whole flash to a verified file',
  usage: `plugrig backup <file|dir/> ${SESSION_USAGE} [--offset <addr>] [--length <bytes>] [--no-reboot]  ({mac} and {hash} in the name are filled in)`,
  options: { ...SESSION_OPTIONS, offset: { type: 'string' }, length: { type: 'string' }, 'no-reboot': { type: 'boolean' } },
  positionals: [1, 1],
  async run(args, io) {
    const target = args.positionals[0]!;
    const offset = numberOption(args, 'offset', 0, { min: 0 });
    if (offset % 0x1000 !== 0) throw new PlugrigError('E_USAGE', `--offset 0x${hex(offset)} is not 4 KiB aligned`, 'use a multiple of 0x1000');
    return withSession(args, io, async (s) => {
      const size = s.flasher.identity.flashSize;
      const length = numberOption(args, 'length', size - offset, { min: 0x1000, max: size - offset });
      if (length % 0x1000 !== 0) throw new PlugrigError('E_USAGE', `--length ${length} is not a multiple of 4 KiB`, 'use a multiple of 0x1000');
      const t0 = s.flasher.clock.now();
      const data = await s.flasher.read(offset, length);
      const saved = await saveVerified(await backupPath(target, s.flasher.identity.mac, data), data);
      if (!flag(args, 'no-reboot')) await s.flasher.reboot();
      const secs = (s.flasher.clock.now() - t0) / 1000;
      if (s.json) {
        io.out.write(
          JSON.stringify({ file: saved.path, sha256: saved.sha256, offset, length, mac: s.flasher.identity.mac ?? null, seconds: secs }, null, 2) + '\n',
        );
      } else {
        io.out.write(
          `backup of 0x${hex(offset)}+0x${hex(length)} (MAC ${formatMac(s.flasher.identity.mac)}) → ${saved.path}\nsha256 ${saved.sha256}, ${secs.toFixed(1)} s\n`,
        );
      }
      return 0;
    });
  },
};
