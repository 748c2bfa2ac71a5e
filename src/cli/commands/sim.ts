/**
 * `plugrig sim --pty [--hold] [--timing realistic|fast] [--window <ms>] [--fault <name>]...`
 * Serves a simulated CB2S on a pseudo-terminal for any flashing tool. The first output line is
 * `pty: <path>`; it runs until SIGINT/SIGTERM. Ptys carry no RTS/DTR, so tools cannot reset the
 * chip: --hold keeps it waiting in the ROM after every reset, as if CEN had just been released.
 *
 * `plugrig sim --write-image fw.bin` saves the generated OpenBeken test image (what `plugrig run`
 * flashes when given none), so `flash` and `verify` can be tried on the simulated rigs.
 * `plugrig sim --http [--http-port <n>]` runs a simulated module already flashed with that image:
 * its OpenBeken HTTP API is the documented target of `configure --url` and `status --url`; the
 * first output line is `http: <url>`.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { realClock, sleep } from '../../core/clock.js';
import { PlugrigError } from '../../core/errors.js';
import { generateTestImage } from '../../bk7231/test-image.js';
import { flag, numberOption, stringOption } from '../args.js';
import type { Command } from '../command.js';

/** How long `--http` waits for the simulated OpenBeken to serve (it boots in well under a second). */
const HTTP_UP_DEADLINE_MS = 10_000;

export const command: Command = {
  name: 'sim',
  summary: 'run the simulated module (e.g. on a pty for other tools)',
  usage:
    'plugrig sim --pty [--hold] [--timing realistic|fast] [--window <ms>] [--fault <name>]... [--seed <n>] [--mac <hex>] [--rx-buffer <bytes>] [--verbose]\n' +
    '       plugrig sim --http [--http-port <n>]   a simulated module running OpenBeken; prints "http: <url>" for configure/status --url\n' +
    '       plugrig sim --write-image <file>       save the generated OpenBeken test image, to try flash and verify',
  options: {
    pty: { type: 'boolean' },
    http: { type: 'boolean' },
    'http-port': { type: 'string' },
    'write-image': { type: 'string' },
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
    const imageFile = stringOption(args, 'write-image');
    const http = flag(args, 'http');
    if (imageFile !== undefined) {
      const path = resolve(io.cwd, imageFile);
      const image = generateTestImage();
      await writeFile(path, image);
      io.out.write(`image: ${path} (${image.length / 1024} KiB OpenBeken test image); try: plugrig flash ${imageFile} --rig rigs/sim-kept.json\n`);
    }
    if (!args.values.pty && !http) {
      if (imageFile !== undefined) return 0;
      throw new PlugrigError('E_USAGE', 'sim: nothing to do without --pty, --http or --write-image', `usage: ${command.usage}`);
    }
    if (args.values.pty && http) throw new PlugrigError('E_USAGE', 'sim: --pty and --http are two different modules', 'run two plugrig sim commands');
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
    // What the --http and the --pty module have in common: a powered module as the options say.
    const common = { timing, faults, seed: numberOption(args, 'seed', 1, { min: 0, max: 0xffffffff }), mac: mac?.replace(/[:-]/g, ''), powered: true } as const;
    if (http) {
      const module = createSimModule({ path: `sim:http${process.pid}`, ...common });
      try {
        // As if `plugrig flash` had written the test image: the module boots OpenBeken from it.
        const image = generateTestImage();
        for (let a = 0; a < image.length; a += 4096) module.flash.eraseSector(a);
        module.flash.program(0, image);
        module.setFirmware(openBekenFirmware({ port: numberOption(args, 'http-port', 0, { min: 0, max: 65535 }) }));
        module.reset();
        const deadline = realClock.now() + HTTP_UP_DEADLINE_MS;
        while (!module.httpUrl()) {
          if (realClock.now() > deadline) {
            throw new PlugrigError(
              'E_SIM_HTTP',
              `the simulated OpenBeken did not serve HTTP within ${HTTP_UP_DEADLINE_MS / 1000} s`,
              'is --http-port free? try another or leave it out',
            );
          }
          await sleep(realClock, 50, io.signal, 'simulated OpenBeken boot');
        }
        io.out.write(`http: ${module.httpUrl()}\n`);
        io.out.write(`module ${module.mac} running OpenBeken; try: plugrig configure --url ${module.httpUrl()}; Ctrl-C stops it\n`);
        await new Promise<void>((r) => (io.signal.aborted ? r() : io.signal.addEventListener('abort', () => r(), { once: true })));
      } finally {
        await module.close();
      }
      return 0;
    }
    const hold = args.values.hold === true;
    const verbose = args.values.verbose === true;
    const say = (s: string) => verbose && io.err.write(`${new Date().toISOString()} ${s}\n`);
    const module = createSimModule({
      path: `sim:pty${process.pid}`,
      ...common,
      downloadWindowMs: hold ? Number.POSITIVE_INFINITY : numberOption(args, 'window', 150, { min: 0, max: 600_000 }),
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
