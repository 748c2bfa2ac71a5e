/**
 * plugrig info — link to the module and say what it is: chip, flash part and size, MAC, status
 * register (protection), optionally the eFuse key.
 */
import { hex } from '../../bk7231/frames.js';
import { flag } from '../args.js';
import type { Command } from '../command.js';
import { SESSION_OPTIONS, SESSION_USAGE, formatMac, withSession } from '../flash-session.js';

export const command: Command = {
  name: 'info',
  summary: 'identify the module: chip, flash, MAC',
  usage: `plugrig info ${SESSION_USAGE} [--efuse] [--no-reboot]`,
  options: { ...SESSION_OPTIONS, efuse: { type: 'boolean' }, 'no-reboot': { type: 'boolean' } },
  async run(args, io) {
    return withSession(
      args,
      io,
      async (s) => {
        const id = s.flasher.identity;
        let sr: number | undefined;
        if (id.part) sr = await s.flasher.status();
        if (!flag(args, 'no-reboot')) await s.flasher.reboot();
        const out = {
          target: s.target,
          chip: id.chip,
          chipId: `0x${hex(id.chipId)}`,
          flashId: id.jedec.map((b) => hex(b, 2)).join(''),
          flashPart: id.part?.name ?? null,
          flashSize: id.flashSize,
          // JSON: 12 hex digits, as in records; the text below adds the colons.
          mac: id.mac ?? null,
          statusRegister: sr === undefined ? null : `0x${hex(sr, 4)}`,
          protected: sr === undefined || !id.part ? null : (sr & id.part.protectMask) !== 0,
          efuse: id.efuse ? id.efuse.toString('hex') : undefined,
          linkCycles: s.flasher.link.cycles,
        };
        if (s.json) {
          io.out.write(JSON.stringify(out, null, 2) + '\n');
          return 0;
        }
        io.out.write(`chip        ${out.chip} (${out.chipId})\n`);
        io.out.write(`flash       ${out.flashId} ${out.flashPart ?? 'unknown part (cannot be unprotected)'}, ${id.flashSize / 1024} KiB\n`);
        io.out.write(`MAC         ${out.mac ? formatMac(out.mac) : 'not found in the TLV sector'}\n`);
        if (out.statusRegister) io.out.write(`status reg  ${out.statusRegister}${out.protected ? ' (write-protected)' : ''}\n`);
        if (out.efuse) io.out.write(`eFuse       ${out.efuse}\n`);
        return 0;
      },
      { efuse: flag(args, 'efuse') },
    );
  },
};
