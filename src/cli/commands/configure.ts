/**
 * plugrig configure --url <http://host[:port]> [--device <template>] [--user … --password …]
 * Applies an OpenBeken template to a device already running OpenBeken, restarts it, and confirms
 * it through /api/pins and /api/info. Exit 0 only when what was read back matches.
 */
import { applyTemplate } from '../../device/apply.js';
import { loadDeviceTemplate } from '../../device/cli-support.js';
import { formatMac } from '../../device/obk-replies.js';
import { numberOption, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { DEVICE_OPTIONS, deviceClientOption } from '../device-option.js';

export const command: Command = {
  name: 'configure',
  summary: 'apply a template to an OpenBeken device on the network',
  usage: 'plugrig configure --url <http://host[:port]> [--device <template.json>] [--user <u> --password <p>] [--timeout <ms>] [--reboot-timeout <ms>]',
  options: {
    ...DEVICE_OPTIONS,
    device: { type: 'string' },
    'reboot-timeout': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  },
  async run(args, io) {
    const template = await loadDeviceTemplate(stringOption(args, 'device'), io.cwd, (m) => io.err.write(`${m}\n`));
    const client = deviceClientOption(args, io);
    const verbose = args.values.verbose === true;
    io.out.write(`applying ${template.source} to ${client.baseUrl} …\n`);
    const rebootTimeoutMs = numberOption(args, 'reboot-timeout', 30_000, { min: 1000, max: 600_000 });
    const r = await applyTemplate(client, template, {
      signal: io.signal,
      rebootTimeoutMs,
      ...(verbose ? { log: (m: string) => io.out.write(`  > ${m}\n`) } : {}),
    });
    io.out.write(`MAC    ${formatMac(r.info.mac)}\n`);
    io.out.write(`build  ${r.info.build}\n`);
    if (r.check.flags) io.out.write(`flags  ${r.check.flags.actual}${r.check.flags.ok ? '' : `  (expected ${r.check.flags.expected})`}\n`);
    if (r.check.startCmd)
      io.out.write(`startup command  ${r.check.startCmd.actual}${r.check.startCmd.ok ? '' : `  (expected ${r.check.startCmd.expected})`}\n`);
    io.out.write('pins:\n');
    for (const p of r.check.pins) {
      const status = p.ok ? 'ok' : p.expected ? `MISMATCH (expected ${p.expected})` : 'MISMATCH (not in the template)';
      io.out.write(`  P${String(p.gpio).padEnd(3)} ${p.actual.padEnd(16)} ${status}\n`);
    }
    if (!r.check.ok) {
      io.err.write(
        `E_CONFIGURE_MISMATCH: the device does not match ${template.source}: ${r.check.problems.join('; ')} — check the firmware version supports these roles, then run configure again\n`,
      );
      return 1;
    }
    io.out.write('configuration confirmed\n');
    return 0;
  },
};
