/**
 * `plugrig run --store postgres://… --mqtt mqtt://…` against a throwaway PostgreSQL and Mosquitto:
 * the unit's record lands in the station's own store and, forwarded, in the line's database and on
 * the broker; `plugrig serve --store postgres://…` with no rigs is the central page. Skipped, saying
 * so, where the binaries are not installed.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { openPgStore } from '../../src/report/store/pg-store.js';
import { describeIf } from '../support/describe-if.js';
import { type Broker, mosquittoBin, startBroker } from '../support/mosquitto.js';
import { pgBinDir, startPgServer, type PgServer } from '../support/pg-server.js';
import { cli } from './run-cli.js';

const have = pgBinDir() !== undefined && mosquittoBin() !== undefined;
const suite = describeIf(have, 'the fleet CLI tests: PostgreSQL (initdb) or mosquitto not installed (apt-get install postgresql mosquitto)');

suite('run and serve on the line (--store postgres://, --mqtt)', () => {
  let server: PgServer;
  let broker: Broker;
  let home: string;
  const saved = { home: process.env.PLUGRIG_HOME, station: process.env.PLUGRIG_STATION };
  beforeAll(async () => {
    [server, broker] = await Promise.all([startPgServer(), startBroker()]);
    home = await mkdtemp(join(tmpdir(), 'plugrig-fleet-cli-'));
    process.env.PLUGRIG_HOME = home;
    process.env.PLUGRIG_STATION = 'bench-1';
  }, 60_000);
  afterAll(async () => {
    if (saved.home === undefined) delete process.env.PLUGRIG_HOME;
    else process.env.PLUGRIG_HOME = saved.home;
    if (saved.station === undefined) delete process.env.PLUGRIG_STATION;
    else process.env.PLUGRIG_STATION = saved.station;
    await Promise.all([server?.destroy(), broker?.destroy()]);
    await rm(home, { recursive: true, force: true });
  }, 60_000);

  test('a unit run on the simulated rig is in the local store, in PostgreSQL and on the broker; the central page shows it', async () => {
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'cli-test' });
    const states = new Map<string, { state?: string; outcome?: string }>();
    sub.on('message', (topic, payload) => {
      if (topic.endsWith('/state')) states.set(topic, JSON.parse(payload.toString()));
    });
    await sub.subscribeAsync('plugrig/bench-1/+/state', { qos: 1 });

    const r = await cli(['run', '--virtual-time', '--store', server.url, '--mqtt', broker.url, '--slot', 'bay1']);
    expect(r.err).toContain('forwarding as station bench-1');
    expect(r.err).not.toContain('not yet forwarded');
    expect(r.code).toBe(0);

    const local = await cli(['records', '--json']);
    const localRuns = JSON.parse(local.out) as { runId: string }[];
    expect(localRuns.length).toBe(1);
    const line = await openPgStore(server.url);
    const [rec] = await line.records();
    expect(rec).toMatchObject({ runId: localRuns[0]!.runId, slot: 'bay1', status: 'finished', outcome: 'PASS' });
    expect((await line.stations()).map((s) => `${s.station}/${s.slot}`)).toEqual(['bench-1/bay1']);
    await line.close();
    for (let i = 0; i < 100 && states.get('plugrig/bench-1/bay1/state')?.state !== 'done'; i++) await new Promise((res) => setTimeout(res, 50));
    expect(states.get('plugrig/bench-1/bay1/state')).toMatchObject({ state: 'done', outcome: 'PASS' });
    await sub.endAsync();

    // The line's records, from any host.
    const fromLine = await cli(['records', '--store', server.url, '--slot', 'bench-1/bay1', '--json']);
    expect((JSON.parse(fromLine.out) as { runId: string; slot: string }[]).map((x) => [x.runId, x.slot])).toEqual([[localRuns[0]!.runId, 'bench-1/bay1']]);

    // A station's serve forwards too (stopped as soon as it is up).
    const stopped = new AbortController();
    stopped.abort();
    const station = await cli(['serve', '--sim-slots', '1', '--store', server.url, '--mqtt', broker.url, '--port', '0'], { signal: stopped.signal });
    expect(station.code).toBe(0);
    expect(station.err).toContain('forwarding as station bench-1');
    expect(station.out).toContain(`store: ${home}`);

    // The central page: serve with the line's database and no rigs (stopped as soon as it is up).
    const stop = new AbortController();
    stop.abort();
    const central = await cli(['serve', '--store', server.url, '--port', '0'], { signal: stop.signal });
    expect(central.code).toBe(0);
    expect(central.out).toMatch(/^listening: http:\/\/127\.0\.0\.1:\d+/m);
    expect(central.out).toContain(`central page of ${server.url}: bench-1/bay1`);
  }, 120_000);
});
