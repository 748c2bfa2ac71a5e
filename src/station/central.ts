/**
 * The line's central page: `plugrig serve --store postgres://…` with no rigs of its own. The hub
 * follows the shared PostgreSQL store (LISTEN/NOTIFY), which every station forwards to, and shows
 * each station's slots as "<station>/<slot>". It is read-only: runs are started on the stations.
 * Slots seen for the first time while it runs appear as their first event arrives.
 */
import { Hub, type HubOptions } from '../report/hub.js';
import { openPgStore, type PgRecordStore } from '../report/store/pg-store.js';

export interface CentralOptions {
  pgUrl: string;
  host?: string;
  port?: number;
  hub?: Partial<HubOptions>;
}

export interface CentralHandle {
  url: string;
  hub: Hub;
  store: PgRecordStore;
  /** The slots known at start, "<station>/<slot>". */
  slots: string[];
  close(): Promise<void>;
}

export async function startCentral(o: CentralOptions): Promise<CentralHandle> {
  const store = await openPgStore(o.pgUrl, { qualifySlots: true });
  try {
    const slots = (await store.stations()).map((s) => ({ slot: `${s.station}/${s.slot}`, rig: s.rig }));
    const hub = new Hub({ store, slots, host: o.host ?? '127.0.0.1', port: o.port ?? 8231, ...o.hub });
    const { url } = await hub.listen().catch(async (e: unknown) => {
      await hub.close().catch(() => undefined);
      throw e;
    });
    return {
      url,
      hub,
      store,
      slots: slots.map((s) => s.slot),
      async close() {
        await hub.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
