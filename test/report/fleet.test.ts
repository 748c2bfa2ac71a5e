/**
 * A station's links to the line (src/station/fleet.ts) against a real, throwaway PostgreSQL and
 * Mosquitto (test/support): the far end goes away mid-run, the station keeps committing locally, and
 * once the far end is back it has every event exactly once. Skipped, saying so, where the binaries
 * are not installed.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import type { Phase, RunEvent } from '../../src/core/run-types.js';
import { Forwarder, storeTarget } from '../../src/report/store/forwarder.js';
import { openPgStore } from '../../src/report/store/pg-store.js';
import { openSqliteStore } from '../../src/report/store/sqlite-store.js';
import { StoreSink } from '../../src/report/store/store-sink.js';
import type { RecordStore } from '../../src/report/store/types.js';
import { runPlan } from '../../src/run/runner.js';
import { startCentral } from '../../src/station/central.js';
import { startFleetLinks } from '../../src/station/fleet.js';
import { ok } from './fixtures/stores.js';
import { connect } from './ws-client.js';
import { mosquittoBin, startBroker } from '../support/mosquitto.js';
import { pgBinDir, startPgServer } from '../support/pg-server.js';
import { describeIf } from '../support/describe-if.js';

/** A phase that does `what` (stop a server) in the middle of the run, then passes. */
const during = (name: string, what: () => Promise<void>): Phase => ({
  name,
  timeoutMs: 60_000,
  run: async (ctx) => {
    await what();
    ctx.measure({ name, value: true, limits: { equals: true } });
  },
});
const run = (local: RecordStore, runId: string, plan: Phase[]) =>
  runPlan({ runId, slot: 's0', station: 'st-a', rig: 'sim', unit: { mac: 'C8478C0000A1' }, plan, sinks: [new StoreSink(local)] });
const localEvents = async (local: RecordStore) => (await local.eventsSince(0, { limit: 1000 })).map((s) => s.event);
const waitFor = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

/** A throwaway server and a scratch folder for one suite: started before it, removed after it. */
function perSuite<S extends { destroy(): Promise<void> }>(start: () => Promise<S>, prefix: string): { readonly server: S; readonly dir: string } {
  const env = {} as { server: S; dir: string };
  beforeAll(async () => {
    env.server = await start();
    env.dir = await mkdtemp(join(tmpdir(), prefix));
  }, 60_000);
  afterAll(async () => {
    await env.server?.destroy();
    if (env.dir) await rm(env.dir, { recursive: true, force: true });
  }, 60_000);
  return env;
}

const pgSuite = describeIf(pgBinDir() !== undefined, 'the PostgreSQL forwarding tests: initdb/pg_ctl not found (apt-get install postgresql)');
const mqttSuite = describeIf(mosquittoBin() !== undefined, 'the MQTT forwarding tests: mosquitto not found (apt-get install mosquitto)');

pgSuite('forwarding to PostgreSQL', () => {
  const env = perSuite(startPgServer, 'plugrig-fleet-');

  test('the database stopped mid-run: the station finishes locally; once restarted every event is there once', async () => {
    const { server, dir } = env;
    const local = await openSqliteStore(join(dir, 'records.sqlite'));
    const links = await startFleetLinks({ local, stateDir: dir, station: 'st-a', pgUrl: server.url, minBackoffMs: 50, maxBackoffMs: 300 });
    expect((await run(local, 'r1', [ok('x')])).outcome).toBe('PASS');
    await links.drained();
    // Stopped in the middle of r2; r2 ends and r3 runs whole while it is away.
    expect((await run(local, 'r2', [ok('x'), during('db-down', () => server.stop()), ok('y')])).outcome).toBe('PASS');
    expect((await run(local, 'r3', [ok('x', false)])).outcome).toBe('FAIL');
    await waitFor(() => links.status()[0]!.failures > 0, 'a failed delivery');
    expect(links.status()[0]).toMatchObject({ target: 'postgres', behind: expect.any(Number) });
    expect(links.status()[0]!.behind).toBeGreaterThan(0);
    await server.start();
    await links.drained();
    expect(links.status()[0]).toMatchObject({ behind: 0 });

    const want = await localEvents(local);
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    const rows = (await c.query<{ run_id: string; run_seq: number; station: string }>('SELECT run_id, run_seq, station FROM events ORDER BY seq')).rows;
    expect(rows.map((r) => `${r.run_id}#${r.run_seq}`)).toEqual(want.map((e: RunEvent) => `${e.runId}#${e.seq}`));
    expect(new Set(rows.map((r) => r.station))).toEqual(new Set(['st-a']));

    // A forwarder that lost its cursor (crash before saving it) replays everything: nothing doubles.
    await writeFile(join(dir, 'forward-postgres.json'), '{"cursor":0}\n');
    const replay = new Forwarder({
      source: local,
      target: storeTarget('postgres', () => openPgStore(server.url, { station: 'st-a' })),
      cursorFile: join(dir, 'forward-postgres.json'),
    }).start();
    await replay.drained();
    await replay.close();
    expect(Number((await c.query('SELECT count(*) AS n FROM events')).rows[0].n)).toBe(want.length);
    const central = await openPgStore(server.url);
    expect((await central.records()).map((r) => [r.runId, r.status, r.outcome])).toEqual([
      ['r3', 'finished', 'FAIL'],
      ['r2', 'finished', 'PASS'],
      ['r1', 'finished', 'PASS'],
    ]);
    await central.close();
    await c.end();
    await links.close();
    await local.close();
  }, 120_000);
});

pgSuite('the central page', () => {
  const env = perSuite(startPgServer, 'plugrig-central-');

  test("two stations forward to one PostgreSQL; the central page shows both stations' slots, live and after a restart", async () => {
    const { server, dir } = env;
    const stations = await Promise.all(
      ['st-a', 'st-b'].map(async (name) => {
        const local = await openSqliteStore(join(dir, name, 'records.sqlite'));
        const links = await startFleetLinks({ local, stateDir: join(dir, name), station: name, pgUrl: server.url, minBackoffMs: 50 });
        return { name, local, links };
      }),
    );
    const [a, b] = stations as [(typeof stations)[0], (typeof stations)[0]];
    await runPlan({ runId: 'a1', slot: 'slot0', station: 'st-a', rig: 'sim', unit: {}, plan: [ok('x')], sinks: [new StoreSink(a.local)] });
    await a.links.drained();
    const central = await startCentral({ pgUrl: server.url, port: 0 });
    expect(central.slots).toEqual(['st-a/slot0']);
    const page = await connect(central.url);
    page.send({ type: 'watch' });
    const first = await page.next((m) => m.type === 'slots');
    expect(first.slots).toEqual([expect.objectContaining({ slot: 'st-a/slot0', state: 'done', outcome: 'PASS' })]);
    // Station b's slot0 is a different slot; it appears on the page while the page is open.
    await runPlan({ runId: 'b1', slot: 'slot0', station: 'st-b', rig: 'sim', unit: {}, plan: [ok('x', false)], sinks: [new StoreSink(b.local)] });
    await b.links.drained();
    await waitFor(() => central.hub.slotViews().some((v) => v.slot === 'st-b/slot0' && v.state === 'done'), 'st-b on the page');
    // What the open page was sent, not only what the hub holds.
    const sent = await page.next((m) => m.type === 'slot' && m.view?.slot === 'st-b/slot0' && m.view?.state === 'done');
    expect(sent.view).toMatchObject({ outcome: 'FAIL', failure: { check: 'x' } });
    const views = Object.fromEntries(central.hub.slotViews().map((v) => [v.slot, v.outcome]));
    expect(views).toEqual({ 'st-a/slot0': 'PASS', 'st-b/slot0': 'FAIL' });
    page.ws.close();
    await central.close();
    // A central page started afterwards finds both from the database.
    const again = await startCentral({ pgUrl: server.url, port: 0 });
    expect(again.slots).toEqual(['st-a/slot0', 'st-b/slot0']);
    expect(Object.fromEntries(again.hub.slotViews().map((v) => [v.slot, v.outcome]))).toEqual({ 'st-a/slot0': 'PASS', 'st-b/slot0': 'FAIL' });
    expect((await again.store.records({ slot: 'st-b/slot0' })).map((r) => r.runId)).toEqual(['b1']);
    await again.close();
    for (const st of stations) {
      await st.links.close();
      await st.local.close();
    }
  }, 120_000);
});

mqttSuite('forwarding to MQTT', () => {
  const env = perSuite(startBroker, 'plugrig-fleet-mqtt-');

  test('the broker restarted mid-run: the subscriber has every event and the last state afterwards', async () => {
    const { server: broker, dir } = env;
    // The line's central consumer: a persistent session, so the broker keeps its messages while it is away.
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'central-test', clean: false, reconnectPeriod: 100 });
    await sub.subscribeAsync('plugrig/#', { qos: 1 });
    const events = new Map<string, number>();
    const states = new Map<string, { state: string; runId?: string; outcome?: string }>();
    sub.on('message', (topic, payload) => {
      if (topic.endsWith('/event')) {
        const e = JSON.parse(payload.toString()) as RunEvent & { station: string };
        const k = `${e.station}/${e.runId}#${e.seq}`;
        events.set(k, (events.get(k) ?? 0) + 1);
      } else if (topic.endsWith('/state')) states.set(topic, JSON.parse(payload.toString()));
    });

    const local = await openSqliteStore(join(dir, 'records.sqlite'));
    const links = await startFleetLinks({ local, stateDir: dir, station: 'st-a', mqttUrl: broker.url, minBackoffMs: 50, maxBackoffMs: 300 });
    expect((await run(local, 'm1', [ok('x')])).outcome).toBe('PASS');
    await links.drained();
    expect((await run(local, 'm2', [ok('x'), during('broker-down', () => broker.stop()), ok('y', false)])).outcome).toBe('FAIL');
    await waitFor(() => links.status()[0]!.failures > 0, 'a failed publish');
    await broker.start();
    await links.drained();

    const want = (await localEvents(local)).map((e) => `st-a/${e.runId}#${e.seq}`);
    await waitFor(() => want.every((k) => events.has(k)), 'every event at the subscriber');
    // QoS 1 is at-least-once: the page in flight when the broker went away may come twice; a consumer
    // keeps one per (station, runId, seq), and then has exactly the station's events.
    expect([...events.keys()].sort()).toEqual([...want].sort());
    const repeats = [...events.values()].reduce((n, c) => n + c - 1, 0);
    expect(repeats).toBeLessThanOrEqual(200); // at most one page
    await waitFor(() => states.get('plugrig/st-a/s0/state')?.runId === 'm2' && states.get('plugrig/st-a/s0/state')?.state === 'done', 'the last state');
    expect(states.get('plugrig/st-a/s0/state')).toMatchObject({ station: 'st-a', slot: 's0', state: 'done', runId: 'm2', outcome: 'FAIL' });

    // A page opened after the restart gets the slot's state from the broker's retained message.
    const late = await mqtt.connectAsync(broker.url, { clientId: 'late-test' });
    const retained = new Promise<{ runId: string; outcome: string }>((resolve) => late.on('message', (_t, payload) => resolve(JSON.parse(payload.toString()))));
    await late.subscribeAsync('plugrig/st-a/s0/state', { qos: 1 });
    expect(await retained).toMatchObject({ runId: 'm2', outcome: 'FAIL' });
    await late.endAsync();
    await sub.endAsync();
    await links.close();
    await local.close();
  }, 120_000);
});
