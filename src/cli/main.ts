import { isPlugrigError, PlugrigError } from '../core/errors.js';
import { parseCommandArgs } from './args.js';
import type { Command, CommandIo } from './command.js';
import { optionHelp } from './option-help.js';
import { closest } from './suggest.js';

// Each command lives in commands/<name>.ts and exports `command`.
const load = (file: string) => () => import(`./commands/${file}.js`) as Promise<{ command: Command }>;

/** Commands load lazily so `plugrig sim` never pays for the WebSocket stack and vice versa. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  info: { summary: 'identify the module: chip, flash, MAC', load: load('info') },
  backup: { summary: 'read the whole flash into the backup store (or a verified file)', load: load('backup') },
  restore: { summary: "write a unit's kept backup back, verified by CRC", load: load('restore') },
  flash: { summary: 'write an image and verify it by CRC', load: load('flash') },
  verify: { summary: 'compare the flash with an image by CRC', load: load('verify') },
  run: { summary: 'flash, boot, configure and test one unit', load: load('run') },
  test: { summary: 'run the fixture checks on the flashed unit', load: load('test') },
  configure: { summary: 'apply a template to an OpenBeken device on the network', load: load('configure') },
  status: { summary: 'power and energy of an OpenBeken device on the network', load: load('status') },
  serve: { summary: 'operator page and WebSocket stream for several slots', load: load('serve') },
  records: { summary: 'query the stored test records', load: load('records') },
  rig: { summary: 'rig check <file>: validate a rig and show its lines', load: load('rig') },
  sim: { summary: 'run the simulated module (e.g. on a pty for other tools)', load: load('sim') },
};

function helpText(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return [
    'usage: plugrig <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    "'plugrig <command> --help' for a command's options, 'plugrig --version' for the version",
  ].join('\n');
}

/** `plugrig <command> --help`: usage, then one line per option with what it does and its default. */
export function commandHelp(cmd: Command): string {
  const rows = Object.entries(cmd.options).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    const left = `  ${short}--${name}${o.type === 'string' ? ' <value>' : ''}`;
    const h = optionHelp(cmd.name, name);
    const text = h ? `${h.text}${o.multiple ? ' (repeatable)' : ''}${h.default ? `; default: ${h.default}` : ''}` : '';
    return `${left.padEnd(28)} ${text}`.trimEnd();
  });
  return [`usage: ${cmd.usage}`, '', cmd.summary, '', 'options:', ...rows].join('\n');
}

/** After the first Ctrl-C the command has this long to clean up before the process ends anyway. */
export const INTERRUPT_GRACE_MS = 1500;

export async function main(argv: string[], partialIo: Partial<CommandIo> = {}): Promise<number> {
  const controller = new AbortController();
  const io: CommandIo = {
    out: process.stdout,
    err: process.stderr,
    signal: controller.signal,
    env: process.env,
    cwd: process.cwd(),
    ...partialIo,
  };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(helpText() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    // Loaded here, not at the top, so --help reads no file at all.
    const { packageVersion } = await import('../core/package-root.js');
    io.out.write(packageVersion() + '\n');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const near = closest(name, Object.keys(COMMANDS));
    io.err.write(
      `E_USAGE: unknown command '${name}' — ${near ? `did you mean '${near}'? ` : ''}commands: ${Object.keys(COMMANDS).join(', ')}; 'plugrig --help' for more\n`,
    );
    return 2;
  }
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    io.err.write(`\n${sig}: stopping cleanly (again to force)\n`);
    controller.abort(new PlugrigError('E_ABORTED', `interrupted by ${sig}`));
    // A wait that does not listen to the signal (a driver call, a stuck close) must not keep the
    // process alive: one Ctrl-C ends it within 2 s whatever the command is doing. Real time, on
    // purpose: this is about the user's patience, not the run's clock.
    setTimeout(() => {
      io.err.write(`${sig}: cleanup took longer than ${INTERRUPT_GRACE_MS / 1000} s; exiting now\n`);
      process.exit(130);
    }, INTERRUPT_GRACE_MS).unref();
  };
  const installSignals = partialIo.signal === undefined;
  if (installSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    const { command } = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out.write(commandHelp(command) + '\n');
      return 0;
    }
    const args = parseCommandArgs(command, rest);
    return await command.run(args, io);
  } catch (e) {
    if (isPlugrigError(e)) {
      // A stop by the user still ends with a next step.
      const shown = e.code === 'E_ABORTED' && !e.hint ? new PlugrigError(e.code, e.message, 'stopped before the end; run the command again to finish') : e;
      io.err.write(shown.oneLine() + '\n');
      return e.code === 'E_USAGE' ? 2 : e.code === 'E_ABORTED' ? 130 : 1;
    }
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes('/cli/commands/')) {
      io.err.write(`E_NOT_BUILT: 'plugrig ${name}' is not available in this build\n`);
      return 1;
    }
    io.err.write(`internal error (a bug, please report it): ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  } finally {
    if (installSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
