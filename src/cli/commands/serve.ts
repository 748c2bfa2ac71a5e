/**
 * plugrig serve [--rig a.json --rig b.json … | --station line.json | --sim-slots N]
 *               [--host 127.0.0.1] [--port 8231] [--token …] [--store <dir>]
 * Runs several slots at once, the operator page at / and the WebSocket stream at /ws
 * (docs/websocket-protocol.md). Prints `listening: http://HOST:PORT` and the operator link.
 */
import { resolve } from 'node:path';
import { PlugrigError } from '../../core/errors.js';
import { redactUrl } from '../../report/store/pg-store.js';
import { serveRunFactory } from '../../station/serve-factory.js';
import { startServe } from '../../station/serve-app.js';
import { loadStationFile, slotNameFor } from '../../station/station-file.js';
import { startCentral } from '../../station/central.js';
import { FLEET_HELP, finishLinks, fleetOptions, startLinks } from '../fleet-option.js';
import { storeDirOption } from '../store-option.js';
import { loadRigFile } from '../../rig/config.js';
import type { SlotInfo } from '../../run/factory.js';
import { baudOption, flag, numberOption, stringList, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { readImageFile } from '../flash-image.js';
import { clockFromArgs, stopClock, VIRTUAL_TIME_HELP } from '../virtual-time.js';

async function slotsFrom(rigPaths: string[], named: (string | undefined)[], kinds: { name: string; kind: string }[]): Promise<SlotInfo[]> {
  const slots: SlotInfo[] = [];
  for (const [i, path] of rigPaths.entries()) {
    const rig = await loadRigFile(path);
    kinds.push({ name: rig.name, kind: rig.kind });
    slots.push({ slot: named[i] ?? slotNameFor(rig.name), rig: rig.name, rigPath: path, rigKind: rig.kind });
  }
  const seen = new Map<string, number>();
  for (const s of slots) seen.set(s.slot, (seen.get(s.slot) ?? 0) + 1);
  // Several copies of one rig name (e.g. three sim rigs) become sim-1, sim-2, …
  const counters = new Map<string, number>();
  return slots.map((s) => {
    if ((seen.get(s.slot) ?? 0) < 2) return s;
    const n = (counters.get(s.slot) ?? 0) + 1;
    counters.set(s.slot, n);
    return { ...s, slot: `${s.slot}-${n}` };
  });
}

export const command: Command = {
  name: 'serve',
  summary: 'operator page and WebSocket stream for several slots',
  usage:
    'plugrig serve [--rig <file>]… [--station <file>] [--sim-slots <n>] [--sim-speed <x>] [--image <file>] [--diff] [--baud <rate>] [--host <addr>] [--port <n>] [--token <t>] [--store <dir>|postgres://…] [--mqtt mqtt://…] [--virtual-time]\n' +
    `  ${VIRTUAL_TIME_HELP} One clock for every slot; the page and the store keep real time.\n` +
    `  ${FLEET_HELP} With --store postgres://… and no rigs, serve is the line's central page: every station's slots, read-only.`,
  options: {
    rig: { type: 'string', multiple: true },
    station: { type: 'string' },
    'sim-slots': { type: 'string' },
    'sim-speed': { type: 'string' },
    image: { type: 'string' },
    diff: { type: 'boolean' },
    baud: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    token: { type: 'string' },
    store: { type: 'string' },
    mqtt: { type: 'string' },
    'virtual-time': { type: 'boolean' },
  },
  async run(args, io) {
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    const port = numberOption(args, 'port', 8231, { min: 0, max: 65535 });
    const rigArgs = stringList(args, 'rig');
    const stationPath = stringOption(args, 'station');
    const simSlots = args.values['sim-slots'] !== undefined ? numberOption(args, 'sim-slots', 1, { min: 1, max: 64 }) : undefined;
    if ([rigArgs.length > 0, stationPath !== undefined, simSlots !== undefined].filter(Boolean).length > 1) {
      throw new PlugrigError('E_USAGE', 'serve: give rigs one way: --rig (repeatable), --station or --sim-slots', `usage: ${command.usage}`);
    }
    const central = fleetOptions(args, io);
    if (central.pgUrl && rigArgs.length === 0 && stationPath === undefined && simSlots === undefined) {
      const app = await startCentral({ pgUrl: central.pgUrl, host, port });
      io.out.write(`listening: ${app.url}\n`);
      io.out.write(`central page of ${redactUrl(central.pgUrl)}: ${app.slots.length ? app.slots.join(', ') : 'no station has run yet'}\n`);
      if (central.mqttUrl) io.err.write('note: the central page follows PostgreSQL; --mqtt is for stations\n');
      await new Promise<void>((r) => (io.signal.aborted ? r() : io.signal.addEventListener('abort', () => r(), { once: true })));
      await app.close();
      return 0;
    }
    let token = stringOption(args, 'token') ?? io.env.PLUGRIG_TOKEN;
    if (token !== undefined && token.length < 8)
      throw new PlugrigError('E_USAGE', '--token is too short', 'use at least 8 characters, e.g. `openssl rand -hex 16`');

    let slots: SlotInfo[];
    let stationName: string | undefined;
    let stationPlan: string | undefined;
    let stationProvision: string | undefined;
    const rigKinds: { name: string; kind: string }[] = []; // --sim-slots: the timed model, simulated by definition
    if (stationPath) {
      const st = await loadStationFile(resolve(io.cwd, stationPath));
      slots = await slotsFrom(
        st.rigs.map((r) => r.rig),
        st.rigs.map((r) => r.slot),
        rigKinds,
      );
      stationName = st.name;
      stationPlan = st.plan;
      stationProvision = st.provision;
      token ??= st.token;
    } else if (simSlots !== undefined) {
      slots = Array.from({ length: simSlots }, (_, i) => ({ slot: `slot${i}`, rig: 'sim', rigKind: 'model' as const }));
    } else {
      const paths = (rigArgs.length ? rigArgs : ['rigs/sim.json']).map((p) => resolve(io.cwd, p));
      slots = await slotsFrom(paths, [], rigKinds);
    }
    const clock = clockFromArgs(args, rigKinds, io);

    // --sim-slots only: run the timing model this many times faster (demos, tests).
    const simSpeed = numberOption(args, 'sim-speed', 1, { min: 0.01, max: 1000 });
    const storeDir = storeDirOption(args, io);
    const imageFile = stringOption(args, 'image');
    const image = imageFile ? { data: await readImageFile(resolve(io.cwd, imageFile)), shownPath: resolve(io.cwd, imageFile) } : undefined;
    const { factory } = serveRunFactory({
      simSpeed,
      storeDir,
      cwd: io.cwd,
      diff: flag(args, 'diff'),
      baudRate: baudOption(args),
      ...(image ? { image } : {}),
      ...(clock ? { clock } : {}),
      ...(stationPlan ? { planPath: stationPlan } : {}),
      ...(stationProvision ? { provisionPath: stationProvision } : {}),
    });
    const note = simSlots !== undefined ? 'slots run the timed model of the unit plan (no simulated module); give --rig files for the real plan' : undefined;
    const app = await startServe({
      slots,
      factory,
      storeDir,
      host,
      port,
      ...(token ? { token } : {}),
      ...(stationName ? { stationName } : {}),
      consoleOut: io.out,
      ...(clock ? { clock } : {}),
    });
    const links = await startLinks(fleetOptions(args, io, stationName), app.store, storeDir, io);
    io.out.write(`listening: ${app.url}\n`);
    io.out.write(`operator page: ${app.operatorUrl}\n`);
    io.out.write(`slots: ${slots.map((s) => `${s.slot} (${s.rig})`).join(', ')}\n`);
    io.out.write(`store: ${storeDir}\n`);
    if (note) io.out.write(`note: ${note}\n`);
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
      io.err.write(`warning: serving on ${host}: anyone who can reach it sees the stream; starting runs needs the token\n`);
    }
    if (app.store.openReport.markedUnfinished.length) {
      io.err.write(`warning: ${app.store.openReport.markedUnfinished.length} run(s) were cut off by the last shutdown and are recorded as unfinished\n`);
    }
    await new Promise<void>((r) => (io.signal.aborted ? r() : io.signal.addEventListener('abort', () => r(), { once: true })));
    io.out.write('stopping: aborting running slots and closing the store\n');
    if (links) {
      await app.station.close(); // the aborted runs' last events are forwarded before the links stop
      await finishLinks(links, io);
    }
    await app.close();
    stopClock(clock, io);
    return 0;
  },
};
