/**
 * Everything `plugrig serve` runs, wired once: the store (durable sink, the hub's feed), the
 * station (slots), the console view and the hub. The CLI and the tests both start it here; the
 * real flash+check plan comes in as the `factory`.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { RunFactory, SlotInfo } from '../run/factory.js';
import type { Sink } from '../core/run-types.js';
import { ConsoleSink } from '../report/console.js';
import { Hub, type HubOptions } from '../report/hub.js';
import { Station } from './station.js';
import { openDefaultStore } from '../report/store/default-store.js';
import type { SqliteRecordStore } from '../report/store/sqlite-store.js';
import { StoreSink } from '../report/store/store-sink.js';

export interface ServeOptions {
  slots: SlotInfo[];
  factory: RunFactory;
  /** Records go to <storeDir>/records.sqlite (refused while it holds only an old JSON-lines store). */
  storeDir: string;
  host?: string;
  port?: number;
  /** Control token; a random one is made when absent (and shown in the operator link). */
  token?: string;
  stationName?: string;
  /** Where the console view goes; none when undefined. */
  consoleOut?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  hub?: Partial<HubOptions>;
  progressIntervalMs?: number;
  /** More sinks for every run (after the store, so they only see stored events). */
  sinks?: Sink[];
  /**
   * The station's clock (runs' deadlines and event times; default the machine's). The hub and the
   * store keep real time for their own housekeeping (pings, lock checks).
   */
  clock?: Clock;
}

export interface ServeHandle {
  url: string;
  /** The operator link: the page with the control token in its fragment (never sent to the server by the browser). */
  operatorUrl: string;
  token: string;
  hub: Hub;
  station: Station;
  store: SqliteRecordStore;
  close(): Promise<void>;
}

export async function startServe(o: ServeOptions): Promise<ServeHandle> {
  const token = o.token ?? randomBytes(16).toString('hex');
  const store = await openDefaultStore(o.storeDir);
  const sinks: Sink[] = [new StoreSink(store)];
  const consoleSink = o.consoleOut ? new ConsoleSink(o.consoleOut) : undefined;
  if (consoleSink) sinks.push(consoleSink);
  sinks.push(...(o.sinks ?? []));
  const station = new Station({
    slots: o.slots,
    factory: o.factory,
    sinks,
    ...(o.stationName ? { name: o.stationName } : {}),
    ...(o.progressIntervalMs !== undefined ? { progressIntervalMs: o.progressIntervalMs } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  });
  // Simulated runs count toward the day only on a station whose every slot is simulated.
  const countSimulated = o.slots.length > 0 && o.slots.every((s) => s.rigKind === 'sim' || s.rigKind === 'model');
  const hub = new Hub({ store, slots: o.slots, control: station, token, host: o.host ?? '127.0.0.1', port: o.port ?? 8231, countSimulated, ...o.hub });
  let url: string;
  try {
    ({ url } = await hub.listen());
  } catch (e) {
    await hub.close().catch(() => undefined);
    await store.close();
    throw e;
  }
  return {
    url,
    operatorUrl: `${url}/#token=${encodeURIComponent(token)}`,
    token,
    hub,
    station,
    store,
    async close() {
      await station.close(); // aborts runs; their run.finished is stored before the store closes
      await hub.close();
      await consoleSink?.close();
      await store.close();
    },
  };
}
