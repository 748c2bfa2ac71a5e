import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Hub, type HubOptions } from '../../src/report/hub.js';
import { Station } from '../../src/station/station.js';
import { openFileStore, type FileRecordStore } from '../../src/report/store/file-store.js';
import { StoreSink } from '../../src/report/store/store-sink.js';
import { simulatedRunFactory } from '../../src/run/simulated-plan.js';
import type { RunEvent } from '../../src/core/run-types.js';
import { connect, type TestClient } from './ws-client.js';

const TOKEN = 'test-token-123';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Partial<HubOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'plugrig-hub-'));
  const store = await openFileStore(dir);
  const slots = [
    { slot: 'slot0', rig: 'sim-a' },
    { slot: 'slot1', rig: 'sim-b' },
  ];
  const station = new Station({
    slots,
    factory: simulatedRunFactory({ timeScale: 0.01, imageBytes: 64 * 1024 }),
    sinks: [new StoreSink(store)],
  });
  const hub = new Hub({ store, slots, control: station, token: TOKEN, port: 0, ...extra });
  const { url } = await hub.listen();
  const clients: TestClient[] = [];
  cleanups.push(async () => {
    for (const c of clients) c.ws.terminate();
    await station.close();
    await hub.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const client = async (headers?: Record<string, string>) => {
    const c = await connect(url, headers);
    clients.push(c);
    await c.next((m) => m.type === 'hello');
    return c;
  };
  return { dir, store, station, hub, url, client };
}

/** A synthetic run's worth of events, appended straight to the store. */
async function appendRun(store: FileRecordStore, runId: string, slot: string, n: number, pad = '', burst = n): Promise<void> {
  let seq = 0;
  const e = (body: object) => ({ ...body, runId, slot, seq: ++seq, t: Date.now() }) as RunEvent;
  await store.append(e({ type: 'run.started', rig: 'r', plan: ['x'], unit: {} }));
  for (let i = 0; i < n; i += burst) {
    const jobs = [];
    for (let j = i; j < Math.min(n, i + burst); j++) jobs.push(store.append(e({ type: 'log', level: 'info', message: `line ${j} ${pad}` })));
    await Promise.all(jobs);
    if (burst < n) await new Promise((r) => setImmediate(r)); // let sockets drain, as between real events
  }
}

describe('hub: stream', () => {
  test('subscribers get a run as it happens, with stream seqs, after it is stored', async () => {
    const { store, station, client } = await setup();
    const c = await client();
    c.send({ type: 'subscribe', slot: '*', id: 1 });
    expect(await c.next((m) => m.type === 'subscribed')).toMatchObject({ slot: '*', since: null, id: 1 });
    station.start('slot0');
    const done = await c.next((m) => m.type === 'event' && m.event.type === 'run.finished');
    expect(done.event.outcome).toBe('PASS');
    const events = c.messages.filter((m) => m.type === 'event');
    const seqs = [...events.map((m) => m.seq), done.seq];
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
    expect(done.seq).toBeLessThanOrEqual(store.head());
    expect(events[0].event.type).toBe('run.started');
  });

  test('resume from a seq: stored events replayed, then live, without gaps or repeats; slot filter', async () => {
    const { store, station, client } = await setup();
    await appendRun(store, 'old-0', 'slot0', 30);
    await appendRun(store, 'old-1', 'slot1', 30);
    const k = 10;
    const all = await client();
    all.send({ type: 'subscribe', slot: '*', since: k });
    const one = await client();
    one.send({ type: 'subscribe', slot: 'slot1', since: 0 });
    station.start('slot1');
    await all.next((m) => m.type === 'event' && m.event.type === 'run.finished');
    await one.next((m) => m.type === 'event' && m.event.type === 'run.finished');
    const head = store.head();
    const seqsAll = all.messages.filter((m) => m.type === 'event').map((m) => m.seq);
    // everything after k, in order, each once, up to the run.finished we waited for
    expect(seqsAll).toEqual(Array.from({ length: head - k - 1 }, (_, i) => k + 1 + i));
    const oneEvents = one.messages.filter((m) => m.type === 'event');
    expect(oneEvents.every((m) => m.event.slot === 'slot1')).toBe(true);
    expect(oneEvents.filter((m) => m.event.runId === 'old-1').length).toBe(31);
    const seqsOne = oneEvents.map((m) => m.seq);
    expect(new Set(seqsOne).size).toBe(seqsOne.length);
    expect([...seqsOne].sort((a, b) => a - b)).toEqual(seqsOne);
  });

  test('watchers get slot views, verdicts and counters', async () => {
    const { station, client } = await setup({ countSimulated: true }); // an all-simulated station counts its runs
    const c = await client();
    c.send({ type: 'watch' });
    const snap = await c.next((m) => m.type === 'slots');
    expect(snap.slots.map((v: any) => [v.slot, v.state])).toEqual([
      ['slot0', 'idle'],
      ['slot1', 'idle'],
    ]);
    expect(snap.counters).toMatchObject({ passed: 0, failed: 0 });
    station.start('slot0');
    const fin = await c.next((m) => m.type === 'slot' && m.view.state === 'done');
    expect(fin.view).toMatchObject({ slot: 'slot0', outcome: 'PASS' });
    expect(fin.view.mac).toMatch(/^025A4D[0-9A-F]{6}$/);
    expect((await c.next((m) => m.type === 'counters')).counters).toMatchObject({ passed: 1, failed: 0 });
  });

  test('simulated runs stay out of the counters of a station that is not simulated, live and after a restart', async () => {
    const { station, store, client } = await setup();
    const c = await client();
    c.send({ type: 'watch' });
    await c.next((m) => m.type === 'slots');
    station.start('slot0');
    await station.whenDone('slot0');
    const [rec] = await store.records({ slot: 'slot0', limit: 1 });
    expect(rec!.rigKind).toBe('model');
    expect(rec!.unit.mac).toMatch(/^025A4D/); // locally administered: never a real module's
    // A real run finishing after it is counted: the simulated one never was.
    await appendRunFinished(store, 'real-1', 'slot1', 'pi', 'PASS');
    expect((await c.next((m) => m.type === 'counters')).counters).toMatchObject({ passed: 1, failed: 0 });
    // A hub started on the same store (restart) restores only the real one.
    const again = new Hub({ store, slots: [{ slot: 'slot0', rig: 'sim-a' }], port: 0 });
    const { url } = await again.listen();
    try {
      const w = await connect(url);
      await w.next((m) => m.type === 'hello');
      w.send({ type: 'watch' });
      expect((await w.next((m) => m.type === 'slots')).counters).toMatchObject({ passed: 1, failed: 0 });
      w.ws.terminate();
    } finally {
      await again.close();
    }
  });
});

/** A finished one-phase run of the given rig kind, appended straight to the store. */
async function appendRunFinished(store: FileRecordStore, runId: string, slot: string, rigKind: 'pi' | 'sim', outcome: 'PASS' | 'FAIL'): Promise<void> {
  let seq = 0;
  const e = (body: object) => ({ ...body, runId, slot, seq: ++seq, t: Date.now() }) as RunEvent;
  await store.append(e({ type: 'run.started', rig: 'r', rigKind, plan: ['x'], unit: { mac: 'C8478C000001' } }));
  await store.append(e({ type: 'phase.finished', phase: 'x', outcome, durationMs: 1, attempts: 1 }));
  await store.append(e({ type: 'run.finished', outcome, durationMs: 1 }));
}

describe('hub: bad input never hurts the server', () => {
  test('malformed, unknown, oversized and binary messages get error replies', async () => {
    const { client } = await setup();
    const c = await client();
    const cases: [unknown, string][] = [
      ['{not json', 'E_WS_BAD_JSON'],
      ['[1,2]', 'E_WS_BAD_MESSAGE'],
      [{ type: 'launch-missiles' }, 'E_WS_UNKNOWN_TYPE'],
      [{ nope: 1 }, 'E_WS_UNKNOWN_TYPE'],
      [{ type: 'subscribe', slot: '../etc' }, 'E_WS_BAD_MESSAGE'],
      [{ type: 'subscribe', slot: '*', since: -1 }, 'E_WS_BAD_MESSAGE'],
      [{ type: 'subscribe', slot: '*', since: 1.5 }, 'E_WS_BAD_MESSAGE'],
      [{ type: 'subscribe', slot: 'slot9' }, 'E_SLOT_UNKNOWN'],
      [{ type: 'ping', id: { x: 1 } }, 'E_WS_BAD_MESSAGE'],
      [JSON.stringify({ type: 'ping', pad: 'x'.repeat(5000) }), 'E_WS_TOO_LARGE'],
    ];
    for (const [msg, code] of cases) {
      c.send(msg);
      expect((await c.next((m) => m.type === 'error')).code).toBe(code);
    }
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await c.next((m) => m.type === 'error')).code).toBe('E_WS_BINARY');
    c.send({ type: 'ping', id: 'still-alive' });
    expect(await c.next((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 'still-alive' });
  });

  test('a frame over the hard limit closes that client with 1009; others carry on', async () => {
    const { client } = await setup({ hardMaxPayload: 16 * 1024 });
    const other = await client();
    const big = await client();
    big.ws.send('x'.repeat(20 * 1024));
    expect((await big.closed).code).toBe(1009);
    other.send({ type: 'ping', id: 2 });
    expect(await other.next((m) => m.type === 'pong')).toMatchObject({ id: 2 });
  });

  test('"auth" checks a token without acting: authorized, or E_WS_UNAUTHORIZED (the page warns on it)', async () => {
    const { station, client } = await setup();
    const c = await client();
    c.send({ type: 'auth', token: 'guess', id: 1 });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'E_WS_UNAUTHORIZED', id: 1 });
    c.send({ type: 'auth', id: 2 });
    expect(await c.next((m) => m.type === 'error' && m.id === 2)).toMatchObject({ code: 'E_WS_UNAUTHORIZED' });
    c.send({ type: 'auth', token: TOKEN, id: 3 });
    expect(await c.next((m) => m.type === 'authorized')).toMatchObject({ id: 3 });
    expect(station.isRunning('slot0')).toBe(false);
    const readOnly = await setup({ control: undefined });
    const r = await readOnly.client();
    r.send({ type: 'auth', token: TOKEN });
    expect((await r.next((m) => m.type === 'error')).code).toBe('E_WS_CONTROL_DISABLED');
  });

  test('control needs the token: missing or wrong is refused, five wrong ones close with 1008', async () => {
    const { station, client } = await setup();
    const c = await client();
    c.send({ type: 'start', slot: 'slot0' });
    expect((await c.next((m) => m.type === 'error')).code).toBe('E_WS_UNAUTHORIZED');
    c.send({ type: 'start', slot: 'slot0', token: 'guess' });
    expect((await c.next((m) => m.type === 'error')).code).toBe('E_WS_UNAUTHORIZED');
    c.send({ type: 'abort', slot: 'slot0', token: 'guess2' });
    expect((await c.next((m) => m.type === 'error')).code).toBe('E_WS_UNAUTHORIZED');
    expect(station.isRunning('slot0')).toBe(false);
    for (let i = 0; i < 3; i++) c.send({ type: 'start', slot: 'slot0', token: `bad${i}` });
    expect((await c.closed).code).toBe(1008);

    const ok = await client();
    ok.send({ type: 'start', slot: 'slot0', token: TOKEN, id: 'a' });
    expect(await ok.next((m) => m.type === 'started')).toMatchObject({ slot: 'slot0', id: 'a' });
    ok.send({ type: 'start', slot: 'slot0', token: TOKEN });
    expect((await ok.next((m) => m.type === 'error')).code).toBe('E_SLOT_BUSY');
    ok.send({ type: 'abort', slot: 'slot0', token: TOKEN });
    await ok.next((m) => m.type === 'aborting');
    const rec = await station.whenDone('slot0');
    expect(rec?.outcome).toBe('ABORTED');
    ok.send({ type: 'abort', slot: 'slot1', token: TOKEN });
    expect((await ok.next((m) => m.type === 'error')).code).toBe('E_SLOT_IDLE');
    ok.send({ type: 'start', slot: 'nope', token: TOKEN });
    expect((await ok.next((m) => m.type === 'error')).code).toBe('E_SLOT_UNKNOWN');
  });

  test('a read-only hub (no token) refuses control', async () => {
    const { client } = await setup({ token: undefined });
    const c = await client();
    c.send({ type: 'start', slot: 'slot0', token: 'anything' });
    expect((await c.next((m) => m.type === 'error')).code).toBe('E_WS_CONTROL_DISABLED');
  });

  test('a flood is rate limited with one error reply', async () => {
    const { client } = await setup({ rateLimit: 10 });
    const c = await client();
    for (let i = 0; i < 60; i++) c.send({ type: 'ping' });
    await c.next((m) => m.type === 'error' && m.code === 'E_WS_RATE_LIMITED');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.messages.filter((m) => m.type === 'error').length).toBe(0);
    expect(c.messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(21);
  });

  test('a browser page from another origin cannot connect', async () => {
    const { url, client } = await setup();
    await expect(client({ Origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const host = new URL(url).host;
    await expect(client({ Origin: `http://${host}` })).resolves.toBeDefined();
  });

  test('a client that stops reading is dropped with 1013; the others get everything', async () => {
    const { store, hub, client } = await setup({ maxBufferedBytes: 256 * 1024 });
    const fast = await client();
    const slow = await client();
    fast.send({ type: 'subscribe', slot: '*' });
    slow.send({ type: 'subscribe', slot: '*' });
    await fast.next((m) => m.type === 'subscribed');
    await slow.next((m) => m.type === 'subscribed');
    slow.ws.pause(); // stops reading its socket: the kernel buffers fill, then the hub's
    const before = process.memoryUsage().heapUsed;
    await appendRun(store, 'flood', 'slot0', 3000, 'y'.repeat(4000), 20); // ~12 MB of events in bursts of 80 kB
    for (let i = 0; i < 100 && hub.dropped.slow === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(hub.dropped.slow).toBe(1);
    await fast.next((m) => m.type === 'event' && m.event.message?.startsWith('line 2999 '), 10_000);
    expect(fast.messages.filter((m) => m.type === 'event').length).toBe(3000); // + the one next() took
    expect(hub.clientCount).toBe(1);
    // the hub did not keep the slow client's backlog
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    slow.ws.resume();
    // It hears why if its close frame got through, else the connection was cut (1006).
    expect([1013, 1006]).toContain((await slow.closed).code);
  });
});

describe('hub: http', () => {
  const get = (url: string, method = 'GET') =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request(url, { method }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
  test('serves the operator page and nothing else', async () => {
    const { url } = await setup();
    const page = await get(url + '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    expect(page.body).toContain('<script src="/app.js">');
    expect((await get(url + '/app.js')).type).toMatch(/javascript/);
    expect((await get(url + '/../package.json')).status).toBe(404);
    expect((await get(url + '/settings')).status).toBe(404);
    expect((await get(url + '/', 'POST')).status).toBe(405);
  });
  test('a hub on a busy port fails with a hint', async () => {
    const { url, store } = await setup();
    const port = Number(new URL(url).port);
    const second = new Hub({ store, slots: [], port });
    await expect(second.listen()).rejects.toMatchObject({ code: 'E_SERVE_LISTEN' });
    await second.close().catch(() => undefined);
  });
});

void WebSocket;
