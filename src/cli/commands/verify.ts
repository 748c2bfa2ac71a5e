/**
 * plugrig verify <image> — compare the flash with an image by chip CRC (no data moves). Exit 0
 * when equal, 1 with the differing sectors listed otherwise.
 */
import { PlugrigError } from '../../core/errors.js';
import { hex } from '../../bk7231/frames.js';
import { flag } from '../args.js';
import type { Command } from '../command.js';
import { checkImageFits, loadImage } from '../flash-image.js';
import { SESSION_OPTIONS, SESSION_USAGE, withSession } from '../flash-session.js';

export const command: Command = {
  name: 'verify',
  summary: 'compare the flash with an image by CRC',
  usage: `plugrig verify <image.bin> ${SESSION_USAGE} [--offset <addr>] [--no-reboot]`,
  options: { ...SESSION_OPTIONS, offset: { type: 'string' }, 'no-reboot': { type: 'boolean' } },
  positionals: [1, 1],
  async run(args, io) {
    const { image, offset } = await loadImage(args, io);
    return withSession(args, io, async (s) => {
      checkImageFits(image, offset, s.flasher.identity.flashSize);
      const v = await s.flasher.verify(image.data, offset);
      if (!flag(args, 'no-reboot')) await s.flasher.reboot();
      if (s.json) {
        io.out.write(
          JSON.stringify({ image: image.name, offset: `0x${hex(offset)}`, equal: v.equal, differingSectors: v.differing.map((a) => `0x${hex(a)}`) }, null, 2) +
            '\n',
        );
        return v.equal ? 0 : 1;
      }
      if (v.equal) {
        io.out.write(`${image.name} matches the flash at 0x${hex(offset)} (${image.data.length} bytes)\n`);
        return 0;
      }
      const list = v.differing
        .slice(0, 8)
        .map((a) => `0x${hex(a)}`)
        .join(', ');
      throw new PlugrigError(
        'E_VERIFY_MISMATCH',
        `${image.name} differs from the flash in ${v.differing.length} sector(s): ${list}${v.differing.length > 8 ? ', …' : ''}`,
        `write it with 'plugrig flash ${image.name} --diff'`,
      );
    });
  },
};
