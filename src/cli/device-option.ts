import { clientFromOptions } from '../device/cli-support.js';
import type { ObkClient } from '../device/obk-client.js';
import { numberOption, stringOption } from './args.js';
import type { CommandIo, OptionSpec, ParsedCommandArgs } from './command.js';

/** The options of every command that talks to an OpenBeken device over HTTP. */
export const DEVICE_OPTIONS = {
  url: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  timeout: { type: 'string' },
} as const satisfies OptionSpec;

/** The device's client from --url/--user/--password/--timeout, on the command's clock; --url is required. */
export function deviceClientOption(args: ParsedCommandArgs, io: Pick<CommandIo, 'clock'>): ObkClient {
  return clientFromOptions({
    url: stringOption(args, 'url'),
    user: stringOption(args, 'user'),
    password: stringOption(args, 'password'),
    timeoutMs: numberOption(args, 'timeout', 4000, { min: 100, max: 120_000 }),
    ...(io.clock ? { clock: io.clock } : {}),
  });
}
