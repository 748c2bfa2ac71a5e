/**
 * The PostgreSQL record store against a real, throwaway PostgreSQL (test/support/pg-server.ts).
 * Skipped, saying so, where the PostgreSQL binaries are not installed.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import pg from 'pg';
import { openPgStore, type PgRecordStore } from '../../src/report/store/pg-store.js';
import { PG_SCHEMA_VERSION } from '../../src/report/store/pg-schema.js';
import { StoreSink } from '../../src/report/store/store-sink.js';
import type { StoredEvent } from '../../src/report/store/types.js';
import { runPlan } from '../../src/run/runner.js';
import { pgBinDir, startPgServer, type PgServer } from '../support/pg-server.js';
import { ok } from './fixtures/stores.js';
import { describeIf } from '../support/describe-if.js';

const suite = describeIf(pgBinDir() !== undefined, 'the PostgreSQL store tests: initdb/pg_ctl not found (apt-get install postgresql)');

suite('PostgreSQL record store', () => {
  let server: PgServer;
  let db = 0;
  /** A fresh database per test, on the one server. */
  const freshDb = async (): Promise<string> => {
    const name = `t${++db}`;
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    return server.url.replace(/\/postgres$/, `/${name}`);
  };

  beforeAll(async () => {
    server = await startPgServer();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  }, 60_000);

  test('two stations write at once; both read back everything, seqs gapless; a third sees both live', async () => {
    const url = await freshDb();
    const [a, b, central] = await Promise.all([
      openPgStore(url, { station: 'st-a' }),
      openPgStore(url, { station: 'st-b' }),
      openPgStore(url, { pollMs: 200 }),
    ]);
    const heard: StoredEvent[] = [];
    central.subscribe((s) => heard.push(s));
    const runs = await Promise.all([
      runPlan({ runId: 'a1', slot: 's0', station: 'st-a', rig: 'sim', unit: { mac: 'C8478C0000A1' }, plan: [ok('x'), ok('y')], sinks: [new StoreSink(a)] }),
      runPlan({
        runId: 'b1',
        slot: 's0',
        station: 'st-b',
        rig: 'sim',
        unit: { mac: 'C8478C0000B1' },
        plan: [ok('x'), ok('y', false)],
        sinks: [new StoreSink(b)],
      }),
      runPlan({ runId: 'a2', slot: 's1', station: 'st-a', rig: 'sim', unit: { mac: 'C8478C0000A2' }, plan: [ok('x')], sinks: [new StoreSink(a)] }),
    ]);
    expect(runs.map((r) => r.outcome)).toEqual(['PASS', 'FAIL', 'PASS']);
    for (const s of [a, b, central]) {
      expect((await s.records()).map((r) => r.runId).sort()).toEqual(['a1', 'a2', 'b1']);
      expect((await s.records({ mac: 'c8:47:8c:00:00:b1' }))[0]).toMatchObject({ runId: 'b1', status: 'finished', outcome: 'FAIL', station: 'st-b' });
      expect((await s.records({ outcome: 'PASS' })).map((r) => r.runId).sort()).toEqual(['a1', 'a2']);
    }
    // Paged iteration (records --json/--csv on the line's store) gives the same answer in the same order.
    const paged: string[] = [];
    for await (const r of central.iterateRecords({}, 2)) paged.push(r.runId);
    expect(paged).toEqual((await central.records()).map((r) => r.runId));
    const limited: string[] = [];
    for await (const r of central.iterateRecords({ limit: 2 }, 1)) limited.push(r.runId);
    expect(limited).toEqual(paged.slice(0, 2));
    const all = await central.eventsSince(0);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect((await central.stations()).map(({ station, slot }) => ({ station, slot }))).toEqual([
      { station: 'st-a', slot: 's0' },
      { station: 'st-a', slot: 's1' },
      { station: 'st-b', slot: 's0' },
    ]);
    // The central store hears every station's commits, in seq order, without writing any.
    for (let i = 0; i < 100 && heard.length < all.length; i++) await new Promise((r) => setTimeout(r, 50));
    expect(heard.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    expect(central.head()).toBe(all.length);
    await Promise.all([a.close(), b.close(), central.close()]);
  }, 60_000);

  test('a replayed event is stored once and keeps its first seq; the run record is not folded twice', async () => {
    const url = await freshDb();
    const a = await openPgStore(url, { station: 'st-a' });
    await runPlan({ runId: 'r', slot: 's0', rig: 'sim', unit: {}, plan: [ok('x')], sinks: [new StoreSink(a)] });
    const events = await a.eventsSince(0);
    await a.close();
    // A new writer (no cache) replays the whole run, as a forwarder after a restart would.
    const again = await openPgStore(url, { station: 'st-a' });
    const replayed = await Promise.all(events.map((s) => again.append(s.event)));
    expect(replayed.map((s) => s.seq)).toEqual(events.map((s) => s.seq));
    expect((await again.eventsSince(0)).length).toBe(events.length);
    const [rec] = await again.records({ runId: 'r' });
    expect(rec?.phases[0]?.measurements.length).toBe(1);
    expect(rec).toMatchObject({ status: 'finished', outcome: 'PASS' });
    await again.close();
  }, 60_000);

  test('schema is versioned; stations opening at once migrate once; runs left running are marked unfinished', async () => {
    const url = await freshDb();
    const opened = await Promise.all([1, 2, 3].map(() => openPgStore(url, { station: 'st-a' })));
    expect(opened.filter((s) => s.openReport.migratedFrom === 0).length).toBe(1);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    expect((await c.query('SELECT version FROM plugrig_schema')).rows).toEqual([{ version: PG_SCHEMA_VERSION }]);
    const w = opened[0] as PgRecordStore;
    await w.append({ type: 'run.started', runId: 'dead', slot: 's0', seq: 1, t: Date.now(), rig: 'sim', plan: ['x'], unit: {} });
    await Promise.all(opened.map((s) => s.close()));
    const next = await openPgStore(url, { station: 'st-a' });
    expect(next.openReport.markedUnfinished).toEqual(['dead']);
    expect((await next.records({ outcome: 'UNFINISHED' })).map((r) => [r.runId, r.status])).toEqual([['dead', 'unfinished']]);
    await next.close();
    await c.query('UPDATE plugrig_schema SET version = 99');
    await c.end();
    await expect(openPgStore(url)).rejects.toMatchObject({ code: 'E_STORE_VERSION' });
  }, 60_000);
});
