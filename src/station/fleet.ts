/**
 * A station's links to the rest of the line (DESIGN.md, "Beyond one host"): its local store stays
 * the one the runner writes to, and a forwarder per far end copies what it committed to the shared
 * PostgreSQL store and to the MQTT broker, each in order, each from its own persisted cursor, so
 * either can be away (at start too) without the station noticing.
 */
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { MqttPublisher } from '../report/mqtt-publisher.js';
import { viewFromRecord } from '../report/slot-view.js';
import { Forwarder, type ForwarderStatus, storeTarget } from '../report/store/forwarder.js';
import { openPgStore } from '../report/store/pg-store.js';
import type { RecordStore } from '../report/store/types.js';

export interface FleetLinkOptions {
  /** The station's own (embedded) store: the source of everything forwarded. */
  local: RecordStore;
  /** Where the forwarders keep their cursors (the local store's directory). */
  stateDir: string;
  station: string;
  /** postgres://… of the line's shared store. */
  pgUrl?: string;
  /** mqtt://… of the line's broker. */
  mqttUrl?: string;
  clock?: Clock;
  /** Backoff bounds of both forwarders (ms). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface FleetLinks {
  forwarders: Forwarder[];
  status(): ForwarderStatus[];
  /** Resolves once both far ends have what the local store had committed when called. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function startFleetLinks(o: FleetLinkOptions): Promise<FleetLinks> {
  const common = {
    source: o.local,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.minBackoffMs !== undefined ? { minBackoffMs: o.minBackoffMs } : {}),
    ...(o.maxBackoffMs !== undefined ? { maxBackoffMs: o.maxBackoffMs } : {}),
  };
  const forwarders: Forwarder[] = [];
  if (o.pgUrl) {
    const url = o.pgUrl;
    const target = storeTarget('postgres', () => openPgStore(url, { station: o.station }));
    forwarders.push(new Forwarder({ ...common, target, cursorFile: join(o.stateDir, 'forward-postgres.json') }).start());
  }
  if (o.mqttUrl) {
    // The slots' last verdicts, so the retained states are right from the first connect.
    const last = new Map<string, ReturnType<typeof viewFromRecord>>();
    for (const rec of await o.local.records({ limit: 200 })) if (!last.has(rec.slot)) last.set(rec.slot, viewFromRecord(rec));
    const target = MqttPublisher.connect(o.mqttUrl, { station: o.station, initialViews: [...last.values()] });
    forwarders.push(new Forwarder({ ...common, target, cursorFile: join(o.stateDir, 'forward-mqtt.json') }).start());
  }
  return {
    forwarders,
    status: () => forwarders.map((f) => f.status()),
    drained: () => Promise.all(forwarders.map((f) => f.drained())).then(() => undefined),
    close: () => Promise.all(forwarders.map((f) => f.close())).then(() => undefined),
  };
}
