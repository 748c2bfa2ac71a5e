/**
 * plugrig status --url <http://host[:port]> [--json]
 * The power state of each relay channel (POWER) and the energy readings (STATUS 8).
 */
import { formatMac, type ObkEnergy } from '../../device/obk-replies.js';
import { normalizeMac } from '../../core/mac.js';
import { flag } from '../args.js';
import type { Command } from '../command.js';
import { DEVICE_OPTIONS, deviceClientOption } from '../device-option.js';

const ENERGY_ROWS: [keyof ObkEnergy, string, string][] = [
  ['voltage', 'voltage', 'V'],
  ['current', 'current', 'A'],
  ['power', 'power', 'W'],
  ['apparentPower', 'apparent power', 'VA'],
  ['reactivePower', 'reactive power', 'var'],
  ['factor', 'power factor', ''],
  ['consumptionTotal', 'energy total', 'Wh'],
  ['consumptionLastHour', 'energy last hour', 'Wh'],
  ['yesterday', 'energy yesterday', 'Wh'],
];

export const command: Command = {
  name: 'status',
  summary: 'power and energy of an OpenBeken device on the network',
  usage: 'plugrig status --url <http://host[:port]> [--json] [--user <u> --password <p>] [--timeout <ms>]',
  options: {
    ...DEVICE_OPTIONS,
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const client = deviceClientOption(args, io);
    const call = { signal: io.signal };
    const info = await client.info(call);
    const power = await client.power(call);
    const energy = await client.energy(call);
    if (flag(args, 'json')) {
      const out = {
        url: client.baseUrl,
        // 12 hex digits in JSON, as in records; the table below adds the colons.
        mac: normalizeMac(info.mac) ?? info.mac,
        build: info.build,
        uptimeS: info.uptimeS,
        power: Object.fromEntries([...power].map(([k, v]) => [k, v ? 'ON' : 'OFF'])),
        energy: energy ?? null,
      };
      io.out.write(JSON.stringify(out, null, 2) + '\n');
      return 0;
    }
    io.out.write(`${client.baseUrl}  MAC ${formatMac(info.mac)}  up ${info.uptimeS} s\n`);
    for (const [k, v] of power) io.out.write(`${k.padEnd(8)} ${v ? 'ON' : 'OFF'}\n`);
    if (!energy) {
      io.out.write('energy: no metering driver running (STATUS 8 has no ENERGY)\n');
      return 0;
    }
    for (const [key, label, unit] of ENERGY_ROWS) {
      const v = energy[key];
      if (v !== undefined) io.out.write(`${label.padEnd(17)} ${v}${unit ? ` ${unit}` : ''}\n`);
    }
    return 0;
  },
};
