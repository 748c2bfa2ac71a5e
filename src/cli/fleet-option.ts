/**
 * --store postgres://… and --mqtt mqtt://… on `run` and `serve`: the station keeps its own store
 * (the default location, or $PLUGRIG_HOME) and forwards what it commits to the line's PostgreSQL and
 * broker (station/fleet.ts), so either may be away without stopping the station.
 */
import { hostname } from 'node:os';
import { realClock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import { isPgUrl, redactUrl } from '../report/store/pg-store.js';
import type { RecordStore } from '../report/store/types.js';
import { type FleetLinks, startFleetLinks } from '../station/fleet.js';
import { stringOption } from './args.js';
import type { CommandIo, ParsedCommandArgs } from './command.js';

export interface FleetArgs {
  pgUrl?: string;
  mqttUrl?: string;
  /** The name this station's events and runs carry on the line. */
  station: string;
}

export const FLEET_HELP =
  "--store postgres://user:pass@host/db forwards every committed event to the line's PostgreSQL; --mqtt mqtt://host:1883 mirrors them to a broker (plugrig/<station>/<slot>/event, retained …/state). The station name is the station file's, else $PLUGRIG_STATION, else the host name.";

export function fleetOptions(args: ParsedCommandArgs, io: Pick<CommandIo, 'env'>, stationName?: string): FleetArgs {
  const store = stringOption(args, 'store');
  const mqttUrl = stringOption(args, 'mqtt');
  if (mqttUrl !== undefined && !/^(mqtts?|wss?):\/\/[^/]/i.test(mqttUrl)) {
    throw new PlugrigError('E_USAGE', `--mqtt ${mqttUrl} is not a broker URL`, 'e.g. --mqtt mqtt://broker.local:1883 (or mqtts://, ws://, wss://)');
  }
  return {
    ...(store !== undefined && isPgUrl(store) ? { pgUrl: store } : {}),
    ...(mqttUrl !== undefined ? { mqttUrl } : {}),
    station: stationName ?? io.env.PLUGRIG_STATION ?? hostname(),
  };
}

/** Starts forwarding from `local` when --store postgres:// or --mqtt was given; undefined otherwise. */
export async function startLinks(fleet: FleetArgs, local: RecordStore, stateDir: string, io: Pick<CommandIo, 'err'>): Promise<FleetLinks | undefined> {
  if (!fleet.pgUrl && !fleet.mqttUrl) return undefined;
  const links = await startFleetLinks({
    local,
    stateDir,
    station: fleet.station,
    ...(fleet.pgUrl ? { pgUrl: fleet.pgUrl } : {}),
    ...(fleet.mqttUrl ? { mqttUrl: fleet.mqttUrl } : {}),
  });
  const to = [fleet.pgUrl ? redactUrl(fleet.pgUrl) : undefined, fleet.mqttUrl ? redactUrl(fleet.mqttUrl) : undefined].filter(Boolean).join(' and ');
  io.err.write(`forwarding as station ${fleet.station} to ${to}\n`);
  return links;
}

/**
 * Gives the forwarders up to `ms` to deliver what is committed, then stops them. What is left waits
 * in the local store, behind a persisted cursor, for the next run or serve.
 */
export async function finishLinks(links: FleetLinks | undefined, io: Pick<CommandIo, 'err'>, ms = 5000): Promise<void> {
  if (!links) return;
  let timer: unknown;
  await Promise.race([links.drained(), new Promise<void>((r) => (timer = realClock.setTimeout(r, ms)))]);
  realClock.clearTimeout(timer);
  for (const s of links.status()) {
    if (s.behind > 0)
      io.err.write(`note: ${s.behind} event(s) not yet forwarded to ${s.target}${s.lastError ? ` (${s.lastError})` : ''}; the next run or serve sends them\n`);
  }
  await links.close();
}
