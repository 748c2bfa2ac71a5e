/**
 * `plugrig sim --pty [--hold] [--timing realistic|fast] [--window <ms>] [--fault <name>]...`
 * Serves a simulated CB2S on a pseudo-terminal for any flashing tool. The first output line is
 * `pty: <path>`; it runs until SIGINT/SIGTERM. Ptys carry no RTS/DTR, so tools cannot reset the
 * chip: --hold keeps it waiting in the ROM after every reset, as if CEN had just been released.
 */
import { realClock } from '../../core/clock.js';
import { PlugrigError } from '../../core/errors.js';
import { numberOption, stringOption } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  name: 'sim',
  summary: 'run the simulated module (e.g. on a pty for other tools)',
  usage:
    'plugrig sim --pty [--hold] [--timing realistic|fast] [--window <ms>] [--fault <name>]... [--seed <n>] [--mac <hex>] [--rx-buffer <bytes>] [--verbose]',
  options: {
    pty: { type: 'boolean' },
    hold: { type: 'boolean' },
    timing: { type: 'string' },
    window: { type: 'string' },
    fault: { type: 'string', multiple: true },
    seed: { type: 'string' },
    mac: { type: 'string' },
    python: { type: 'string' },
    'rx-buffer': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  },
  async run(args, io) {
    if (!args.values.pty) {
      throw new PlugrigError('E_USAGE', 'sim: nothing to do without --pty', `usage: ${command.usage}`);
    }
    const timing = stringOption(args, 'timing') ?? 'realistic';
    if (timing !== 'realistic' && timing !== 'fast') {
      throw new PlugrigError('E_USAGE', `--timing ${timing}: expected "realistic" or "fast"`);
    }
    const { createSimModule, openBekenFirmware, parseFaults, startPtyServer } = await import('../../sim/index.js');
    const faultTexts = (args.values.fault as string[] | undefined) ?? [];
    let faults: ReturnType<typeof parseFaults>;
    try {
      faults = parseFaults(faultTexts);
    } catch (e) {
      if (e instanceof PlugrigError) throw new PlugrigError('E_USAGE', `--fault: ${e.message}`, e.hint);
      throw e;
    }
    const mac = stringOption(args, 'mac');
    if (mac !== undefined && !/^[0-9a-f]{12}$/i.test(mac.replace(/[:-]/g, ''))) {
      throw new PlugrigError('E_USAGE', `--mac ${mac}: expected 12 hex digits`);
    }
    const hold = args.values.hold === true;
    const verbose = args.values.verbose === true;
    const say = (s: string) => verbose && io.err.write(`${new Date().toISOString()} ${s}\n`);
    const module = createSimModule({
      path: `sim:pty${process.pid}`,
      timing,
      downloadWindowMs: hold ? Number.POSITIVE_INFINITY : numberOption(args, 'window', 150, { min: 0, max: 600_000 }),
      faults,
      seed: numberOption(args, 'seed', 1, { min: 0, max: 0xffffffff }),
      mac: mac?.replace(/[:-]/g, ''),
      powered: true,
      rxBufferBytes: args.values['rx-buffer'] === undefined ? undefined : numberOption(args, 'rx-buffer', 0, { min: 1, max: 1 << 20 }),
    });
    // After the download window the module boots what the flash holds: an OpenBeken image comes up
    // with its HTTP API (printed with --verbose), anything else runs silently.
    module.setFirmware(openBekenFirmware());
    let server: Awaited<ReturnType<typeof startPtyServer>>;
    try {
      server = await startPtyServer(module, {
        python: stringOption(args, 'python'),
        onSession: (open) => say(open ? 'a tool opened the pty: chip reset' : 'the tool closed the pty'),
      });
    } catch (e) {
      await module.close();
      throw e;
    }
    io.out.write(`pty: ${server.path}\n`);
    say(`module ${module.mac}, ${hold ? 'held in ROM' : 'booting'}, timing ${timing}${faultTexts.length ? `, faults ${faultTexts.join(' ')}` : ''}`);
    module.onStateChange((s) => {
      say(`state ${s}`);
      // A module on a pty serves other tools in real time: the machine's clock.
      if (s === 'app') realClock.setTimeout(() => module.httpUrl() && say(`http ${module.httpUrl()}`), 200).unref();
    });
    module.onLog((l) => say(`uart2 ${l}`));

    const helperDied = await new Promise<boolean>((resolve) => {
      if (io.signal.aborted) return resolve(false);
      io.signal.addEventListener('abort', () => resolve(false), { once: true });
      void server.exited.then(() => resolve(!io.signal.aborted));
    });
    await server.close();
    await module.close();
    if (helperDied) throw new PlugrigError('E_SIM_PTY', 'the pty helper process exited unexpectedly', 'run with --verbose and check that python3 works');
    return 0;
  },
};
