/**
 * Stream benchmark (npm run bench:stream): 8 slots run at once behind `plugrig serve`'s stack (the
 * durable store, the station, the WebSocket hub) while 50 WebSocket clients, in a worker thread so
 * they do not share the server's event loop, follow every event. Prints:
 *   - aggregate flash throughput of 8 slots against one slot alone (target ≥ 7×),
 *   - event-loop lag p99 of the server thread while the 8 slots run (target < 20 ms),
 *   - event fan-out latency p99: from the runner stamping an event, through the fsync'ed store,
 *     to a client having it (target < 50 ms),
 *   - memory (peak RSS, heap).
 * PLUGRIG_BENCH_PLAN=flasher (default): each slot is a simulated CB2S on realistic timing, flashed
 * by the real flasher over the simulated serial port (link, 2 Mbaud, write 1 MiB, CRC verify).
 * The 8 simulated chips run on the server's own thread: their CPU (which on a rig is the chips')
 * shows up here as event-loop lag and delays the stream.
 * PLUGRIG_BENCH_PLAN=model: the simulated plan's wire-time model (sleeps; no bytes move), which
 * measures the runner, store and hub alone.
 * PLUGRIG_BENCH_IMAGE_KIB (default 1024), PLUGRIG_BENCH_BAUD (default 2000000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Flasher } from '../../src/bk7231/flasher.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { startServe } from '../../src/station/serve-app.js';
import type { RunFactory, SlotInfo } from '../../src/run/factory.js';
import { simulatedRunFactory } from '../../src/run/simulated-plan.js';
import type { Phase, RunEvent, Sink } from '../../src/core/run-types.js';
import { createSimModule, type SimModule } from '../../src/sim/index.js';
import { cenPulse, openSimPort, powerCycle } from '../bk7231/sim-rig.js';

const SLOTS = 8;
const CLIENTS = 50;
const MODE = process.env.PLUGRIG_BENCH_PLAN ?? 'flasher';
const IMAGE_BYTES = Number(process.env.PLUGRIG_BENCH_IMAGE_KIB ?? 1024) * 1024;
const BAUD = Number(process.env.PLUGRIG_BENCH_BAUD ?? 2_000_000);

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/** Real flasher against a simulated module per slot. */
function flasherFactory(modules: Map<string, SimModule>): RunFactory {
  const image = generateTestImage({ size: IMAGE_BYTES });
  // The flasher lives across phases, so it gets the run's signal, not one phase attempt's.
  return async (slot: SlotInfo, runSignal: AbortSignal) => {
    const module = modules.get(slot.slot)!;
    let flasher: Flasher | undefined;
    let onProgress: ((p: { done: number; total: number; bytesPerSec: number; etaMs: number }) => void) | undefined;
    const plan: Phase[] = [
      {
        name: 'link',
        timeoutMs: 30_000,
        async run(ctx) {
          const port = await openSimPort(module.uartPath);
          flasher = await Flasher.connect({
            port,
            resets: [cenPulse(module), powerCycle(module)],
            baudRate: BAUD,
            signal: runSignal,
            progress: (p) => onProgress?.(p),
          });
          const id = flasher.identity;
          ctx.identify({ ...(id.mac ? { mac: id.mac } : {}), chipId: id.chip, flashId: id.mid.toString(16), flashSize: id.flashSize });
          ctx.measure({ name: 'flash_size', value: id.flashSize, limits: { equals: 0x200000 } });
        },
      },
      {
        name: 'flash',
        timeoutMs: 180_000,
        async run(ctx) {
          onProgress = (p) => ctx.progress({ done: p.done, total: p.total, unit: 'bytes', bytesPerSec: Math.round(p.bytesPerSec), etaMs: Math.round(p.etaMs) });
          const r = await flasher!.write(image, { offset: 0, reboot: false });
          onProgress = undefined;
          ctx.measure({
            name: 'bytes_written',
            value: Math.min(r.written * 4096, IMAGE_BYTES),
            unit: 'B',
            limits: { equals: IMAGE_BYTES },
          });
        },
      },
      {
        name: 'verify',
        timeoutMs: 60_000,
        async run(ctx) {
          try {
            const v = await flasher!.verify(image, 0);
            ctx.measure({ name: 'crc_match', value: v.equal, limits: { equals: true } });
            await flasher!.reboot();
          } finally {
            await flasher!.close();
          }
        },
      },
    ];
    return { rig: 'sim', plan };
  };
}

/** The 50 clients, in their own thread: latency = receipt time − the event's stamp (same wall clock). */
const CLIENT_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { WebSocket } = require(workerData.wsPath);
const lat = []; let received = 0; const perClient = new Array(workerData.n).fill(0); const socks = [];
let open = 0;
for (let i = 0; i < workerData.n; i++) {
  const ws = new WebSocket(workerData.url);
  socks.push(ws);
  ws.on('open', () => { ws.send(JSON.stringify({ type: 'subscribe', slot: '*' })); if (++open === workerData.n) parentPort.postMessage({ ready: true }); });
  ws.on('message', (d) => {
    const m = JSON.parse(d);
    if (m.type !== 'event') return;
    received++; perClient[i]++;
    lat.push(Date.now() - m.event.t);
  });
  ws.on('close', (code) => { if (code !== 1000 && code !== 1001) parentPort.postMessage({ dropped: code }); });
}
parentPort.on('message', (msg) => {
  if (msg === 'reset') { lat.length = 0; received = 0; perClient.fill(0); return; }
  if (msg === 'report') {
    parentPort.postMessage({ lat, received, min: Math.min(...perClient), max: Math.max(...perClient) });
  }
  if (msg === 'close') { for (const s of socks) s.close(); setTimeout(() => process.exit(0), 200); }
});
`;

interface FlashSpan {
  start: number;
  end: number;
  bytes: number;
}

async function main(): Promise<void> {
  const storeDir = await mkdtemp(join(tmpdir(), 'plugrig-bench-stream-'));
  const slots: SlotInfo[] = Array.from({ length: SLOTS }, (_, i) => ({ slot: `slot${i}`, rig: 'sim' }));
  const modules = new Map<string, SimModule>();
  let factory: RunFactory;
  if (MODE === 'model') {
    factory = simulatedRunFactory({ imageBytes: IMAGE_BYTES, baud: BAUD });
  } else if (MODE === 'flasher') {
    for (const [i, s] of slots.entries()) {
      const m = createSimModule({ timing: 'realistic', seed: i + 1 });
      m.powerNet.setHostDrive(1);
      modules.set(s.slot, m);
    }
    factory = flasherFactory(modules);
  } else {
    throw new Error(`PLUGRIG_BENCH_PLAN=${MODE}: use flasher or model`);
  }
  // Flash spans from the events (wall-clock stamps), to compute throughput.
  const spans = new Map<string, Partial<FlashSpan>>();
  const tap: Sink = {
    handle(e: RunEvent) {
      if (e.type === 'phase.started' && e.phase === 'flash' && e.attempt === 1) spans.set(e.runId, { start: e.t });
      if (e.type === 'phase.finished' && e.phase === 'flash') {
        const s = spans.get(e.runId);
        if (s) Object.assign(s, { end: e.t, bytes: e.outcome === 'PASS' ? IMAGE_BYTES : 0 });
      }
    },
  };
  const app = await startServe({ slots, factory, storeDir, port: 0, token: 'bench-token-0000', sinks: [tap] });

  const worker = new Worker(CLIENT_CODE, {
    eval: true,
    workerData: { url: app.url.replace('http', 'ws') + '/ws', n: CLIENTS, wsPath: require_resolve('ws') },
  });
  const fromWorker = <T>(pred: (m: any) => boolean) =>
    new Promise<T>((resolve) => {
      const on = (m: any) => {
        if (pred(m)) {
          worker.off('message', on);
          resolve(m as T);
        }
      };
      worker.on('message', on);
    });
  let dropped = 0;
  worker.on('message', (m) => {
    if (m?.dropped) dropped++;
  });
  await fromWorker((m) => m.ready);
  console.log(`stream benchmark: ${SLOTS} slots, ${CLIENTS} WebSocket clients (own thread), plan=${MODE}, image ${IMAGE_BYTES / 1024} KiB at ${BAUD} baud`);

  // 1) one slot alone
  spans.clear();
  app.station.start('slot0');
  const alone = await app.station.whenDone('slot0');
  const a = spans.values().next().value as FlashSpan;
  if (alone?.outcome !== 'PASS' || !a?.end) throw new Error(`single-slot run did not pass: ${alone?.outcome} ${JSON.stringify(alone?.error)}`);
  const aloneRate = (a.bytes * 1000) / (a.end - a.start);

  // 2) all slots at once, with the clients following
  spans.clear();
  worker.postMessage('reset');
  // The histogram records whole timer intervals (resolution included): lag = value − resolution.
  const LAG_RES_MS = 5;
  const lag = monitorEventLoopDelay({ resolution: LAG_RES_MS });
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 100);
  const headBefore = app.store.head();
  lag.enable();
  const t0 = Date.now();
  app.station.startAll();
  const recs = await Promise.all(slots.map((s) => app.station.whenDone(s.slot)));
  const wallMs = Date.now() - t0;
  lag.disable();
  clearInterval(sampler);
  // Wait (bounded) until every client has every event of this round.
  const expected = app.store.head() - headBefore;
  let rep: { lat: number[]; received: number; min: number; max: number };
  for (let i = 0; ; i++) {
    worker.postMessage('report');
    rep = await fromWorker<typeof rep>((m) => Array.isArray(m.lat));
    if (rep.min >= expected || i >= 50) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const all = [...spans.values()] as FlashSpan[];
  const passed = recs.filter((r) => r?.outcome === 'PASS').length;
  const start = Math.min(...all.map((s) => s.start));
  const end = Math.max(...all.map((s) => s.end));
  const aggRate = (all.reduce((n, s) => n + s.bytes, 0) * 1000) / (end - start);
  const ratio = aggRate / aloneRate;
  const lagP99 = Math.max(0, lag.percentile(99) / 1e6 - LAG_RES_MS);
  const lagMax = Math.max(0, lag.max / 1e6 - LAG_RES_MS);
  const fanP99 = pct(rep.lat, 99);
  const events = app.store.head();

  const ok = (b: boolean) => (b ? 'ok' : 'MISSED');
  console.log(`\nruns: ${passed}/${SLOTS} PASS in ${(wallMs / 1000).toFixed(1)} s; ${events} events stored`);
  console.log(`one slot alone      ${(aloneRate / 1024).toFixed(1)} KiB/s`);
  console.log(`${SLOTS} slots at once    ${(aggRate / 1024).toFixed(1)} KiB/s aggregate = ${ratio.toFixed(2)} × one slot (target ≥ 7) ${ok(ratio >= 7)}`);
  console.log(`event-loop lag      p99 ${lagP99.toFixed(1)} ms, max ${lagMax.toFixed(1)} ms (target p99 < 20 ms) ${ok(lagP99 < 20)}`);
  console.log(
    `fan-out latency     p50 ${pct(rep.lat, 50)} ms, p99 ${fanP99} ms, max ${pct(rep.lat, 100)} ms over ${rep.received} deliveries ` +
      `(${rep.min}..${rep.max} of ${expected} per client; emit → fsync'ed store → client) (target p99 < 50 ms) ${ok(fanP99 < 50)}`,
  );
  console.log(`memory              peak RSS ${mb(peakRss)}, peak heap ${mb(peakHeap)}; clients dropped: ${dropped + app.hub.dropped.slow}`);

  worker.postMessage('close');
  await new Promise((r) => worker.once('exit', r));
  await app.close();
  for (const m of modules.values()) await m.close();
  await rm(storeDir, { recursive: true, force: true });
  if (passed !== SLOTS || ratio < 7 || lagP99 >= 20 || fanP99 >= 50) process.exitCode = 1;
}

function require_resolve(name: string): string {
  return new URL(import.meta.resolve(name)).pathname;
}

await main();
