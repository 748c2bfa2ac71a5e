/**
 * Record store at scale (issue 9): builds a SQLite store of N synthetic units (PLUGRIG_BENCH_UNITS,
 * default 100 000; about 86 events each, ~5 % re-tests of the same MAC, ~3 % FAIL), then, in a fresh
 * process so memory is not the builder's, prints: open time and RSS after open, p50/p99 of queries
 * by MAC, by date range and by outcome, and the replay rate from seq 0 in pages with RSS during it.
 *   node --import tsx test/bench/records.bench.ts            build + measure
 *   PLUGRIG_BENCH_STORE=<path> ...                           reuse / keep the store at <path>
 * The build goes through the store's own append path (one transaction per batch of units).
 * Then the size of the backups of 1,000 simulated units (test/bench/backup-size.ts; alone: npm run bench:backups).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../../src/report/store/sqlite-store.js';
import type { RunEvent } from '../../src/core/run-types.js';
import type { RunOutcome } from '../../src/core/run-types.js';
import { describeBackupSize, measureBackupSize } from './backup-size.js';

const UNITS = Number(process.env.PLUGRIG_BENCH_UNITS ?? 100_000);
const T0 = Date.UTC(2026, 0, 1, 6);
const UNIT_MS = 43_200; // 2 000 units a day
const SLOTS = 4;
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;

/** Deterministic pseudo-random numbers (same store every time). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const macOf = (unit: number) => `C8478C${unit.toString(16).toUpperCase().padStart(6, '0')}`;

/** One unit's events, shaped like a real plan: link, identify, backup, flash, checks, calibration. */
function unitEvents(runId: string, slot: string, mac: string, t: number, fail: boolean): RunEvent[] {
  const ev: RunEvent[] = [];
  let seq = 0;
  let now = t;
  const push = (body: Record<string, unknown>, dt = 50) => {
    now += dt;
    ev.push({ runId, slot, seq: ++seq, t: now, ...body } as RunEvent);
  };
  const plan = ['link', 'identify', 'backup', 'flash', 'boot', 'relay', 'button', 'led', 'bl0937'];
  push(
    {
      type: 'run.started',
      rig: 'pi-rig-1',
      plan,
      unit: {},
      station: 'line-1',
      firmware: { path: 'fw/OpenBK7231N_1.18.bin', sha256: 'ab'.repeat(32), size: 1_048_576 },
    },
    0,
  );
  const phase = (name: string, body: () => void, outcome: 'PASS' | 'FAIL' = 'PASS') => {
    const start = now;
    push({ type: 'phase.started', phase: name, attempt: 1 });
    body();
    push({ type: 'phase.finished', phase: name, outcome, durationMs: now - start, attempts: 1 });
  };
  const measure = (ph: string, name: string, value: number | boolean | string, limits: Record<string, unknown>, verdict = 'PASS', unit?: string) =>
    push({ type: 'measurement', phase: ph, measurement: { name, value, limits, verdict, ...(unit ? { unit } : {}) } });
  const progress = (ph: string, n: number, total: number) => {
    for (let i = 1; i <= n; i++)
      push({ type: 'phase.progress', phase: ph, progress: { done: (total * i) / n, total, unit: 'bytes', bytesPerSec: 115_200, etaMs: (n - i) * 500 } }, 500);
  };
  phase('link', () => measure('link', 'bootrom_sync', true, { equals: true }));
  phase('identify', () => {
    push({ type: 'unit.identified', unit: { mac, chipId: '0x7231c', flashId: '0x1c7015', flashSize: 2_097_152 } });
    measure('identify', 'chip_id', '0x7231c', { equals: '0x7231c' });
  });
  phase('backup', () => {
    progress('backup', 20, 2_097_152);
    push({ type: 'artifact', phase: 'backup', kind: 'backup', path: `backups/${mac}.bin`, sha256: 'cd'.repeat(32) });
  });
  phase('flash', () => {
    progress('flash', 30, 1_048_576);
    measure('flash', 'crc_match', true, { equals: true });
  });
  phase('boot', () => {
    push({ type: 'log', level: 'info', message: 'OpenBK7231N booted, Wi-Fi AP up', phase: 'boot' }, 4000);
    measure('boot', 'boot_ms', 3900, { high: 8000 }, 'PASS', 'ms');
  });
  phase('relay', () => {
    measure('relay', 'relay_on', true, { equals: true });
    measure('relay', 'relay_off', true, { equals: true });
  });
  phase('button', () => measure('button', 'button_toggles_relay', true, { equals: true }));
  phase('led', () => {
    measure('led', 'wifi_led_blinks', true, { equals: true });
    push({ type: 'log', level: 'debug', message: 'LED period 500 ms', phase: 'led' });
  });
  phase(
    'bl0937',
    () => {
      measure('bl0937', 'voltage_v', 230.1, { low: 220, high: 240 }, 'PASS', 'V');
      measure('bl0937', 'current_a', fail ? 0.9 : 0.435, { low: 0.41, high: 0.46 }, fail ? 'FAIL' : 'PASS', 'A');
      measure('bl0937', 'power_w', 100.2, { low: 95, high: 105 }, 'PASS', 'W');
      if (fail) push({ type: 'log', level: 'warn', message: 'current out of range', phase: 'bl0937' });
    },
    fail ? 'FAIL' : 'PASS',
  );
  const outcome: RunOutcome = fail ? 'FAIL' : 'PASS';
  push({ type: 'run.finished', outcome, durationMs: now - t });
  return ev;
}

async function build(path: string): Promise<void> {
  const rand = rng(42);
  const started = performance.now();
  const store = await openSqliteStore(path);
  const BATCH = 500;
  let events = 0;
  let unit = 0;
  let run = 0;
  while (unit < UNITS) {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BATCH && unit < UNITS; i++) {
      const retest = rand() < 0.05 && unit > 0;
      const mac = macOf(retest ? unit - 1 : unit); // a re-test is the previous unit again
      if (!retest) unit++;
      const t = T0 + run * UNIT_MS;
      const evs = unitEvents(`run-${run}`, `slot${run % SLOTS}`, mac, t, rand() < 0.03);
      run++;
      events += evs.length;
      for (const e of evs) pending.push(store.append(e));
    }
    await Promise.all(pending);
    if (run % 20_000 < BATCH) process.stdout.write(`  built ${run} runs, ${events} events, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  await store.close();
  const size = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
  console.log(
    `built ${run} runs (${UNITS} units), ${events} events (${(events / run).toFixed(1)}/run) in ${((performance.now() - started) / 1000).toFixed(1)} s; file ${mb(size)}`,
  );
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function timed(n: number, q: (i: number) => Promise<unknown[]>): Promise<string> {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    rows += (await q(i)).length;
    ms.push(performance.now() - t);
  }
  return `p50 ${pct(ms, 50).toFixed(2)} ms, p99 ${pct(ms, 99).toFixed(2)} ms (${(rows / n).toFixed(1)} records/query, ${n} queries)`;
}

async function measure(path: string): Promise<void> {
  const rand = rng(7);
  let t = performance.now();
  const store = await openSqliteStore(path);
  const openMs = performance.now() - t;
  console.log(`open (writer, as serve): ${openMs.toFixed(1)} ms; RSS after open ${mb(process.memoryUsage().rss)}`);
  t = performance.now();
  const reader = await openSqliteStore(path, { readOnly: true });
  console.log(`open (read-only, as records): ${(performance.now() - t).toFixed(1)} ms`);
  await reader.close();
  const days = (UNITS * 1.05 * UNIT_MS) / 86_400_000;
  console.log(`query by MAC (any unit):        ${await timed(1000, () => store.records({ mac: macOf(Math.floor(rand() * UNITS)).toLowerCase() }))}`);
  console.log(
    `query by date (one hour):       ${await timed(200, () => {
      const s = T0 + rand() * days * 86_400_000;
      return store.records({ since: s, until: s + 3_600_000 });
    })}`,
  );
  console.log(
    `query by date (one day, 100):   ${await timed(200, () => {
      const s = T0 + rand() * days * 86_400_000;
      return store.records({ since: s, until: s + 86_400_000, limit: 100 });
    })}`,
  );
  console.log(`query by outcome (FAIL, 100):   ${await timed(200, () => store.records({ outcome: 'FAIL', limit: 100 }))}`);
  console.log(
    `query by outcome (FAIL, 1 day): ${await timed(200, () => {
      const s = T0 + rand() * days * 86_400_000;
      return store.records({ outcome: 'FAIL', since: s, until: s + 86_400_000 });
    })}`,
  );
  console.log(`query UNFINISHED (all):         ${await timed(200, () => store.records({ outcome: 'UNFINISHED' }))}`);
  console.log(`RSS after queries ${mb(process.memoryUsage().rss)}`);

  let since = 0;
  let n = 0;
  let maxRss = 0;
  t = performance.now();
  for (let page = 0; ; page++) {
    const events = await store.eventsSince(since, { limit: 1000 });
    if (!events.length) break;
    for (const e of events) n += JSON.stringify(e).length > 0 ? 1 : 0; // as the hub frames each one
    since = events.at(-1)!.seq;
    if (page % 100 === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }
  const s = (performance.now() - t) / 1000;
  console.log(`replay from seq 0 in pages of 1000: ${n} events in ${s.toFixed(1)} s = ${Math.round(n / s)} events/s; max RSS during replay ${mb(maxRss)}`);
  await store.close();
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === 'measure') {
  await measure(process.argv[3]!);
} else {
  const keep = process.env.PLUGRIG_BENCH_STORE;
  const dir = keep ? undefined : mkdtempSync(join(tmpdir(), 'plugrig-bench-records-'));
  const path = keep ?? join(dir!, 'records.sqlite');
  if (!existsSync(path)) await build(path);
  else console.log(`reusing ${path}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, 'measure', path], { stdio: 'inherit', env: process.env });
  if (dir) rmSync(dir, { recursive: true, force: true });
  for (const line of describeBackupSize(await measureBackupSize(1000))) console.log(line);
  process.exitCode = r.status ?? 1;
}
