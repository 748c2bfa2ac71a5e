/**
 * Record store at scale (issue 9): builds a SQLite store of N synthetic units (PLUGRIG_BENCH_UNITS,
 * default 100 000; about 86 events each, ~5 % re-tests of the same MAC, ~3 % FAIL), then, in a fresh
 * process so memory is not the builder's, prints: open time and RSS after open, p50/p99 of queries
 * by MAC, by date range and by outcome; then starts `plugrig serve` (dist/, built by the npm
 * script) on that store and prints its time from spawn until listening and its RSS, and the replay
 * rate from seq 0 through a real WebSocket client with the server's RSS during it.
 *   npm run bench:records                                   build + measure
 *   PLUGRIG_BENCH_STORE=<dir> ...                           reuse / keep the store in <dir>/records.sqlite
 * The build is the store's own bulk import (importRuns: one transaction, the store's own schema and
 * fold, no per-append promise or fsync), fed by a generator, so memory stays flat while it builds.
 * Then the size of the backups of 1,000 simulated units (test/bench/backup-size.ts; alone: npm run bench:backups).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { openSqliteStore } from '../../src/report/store/sqlite-store.js';
import type { RunEvent } from '../../src/core/run-types.js';
import { macOf, rng, syntheticEvents, T0, UNIT_MS } from '../report/fixtures/synthetic-units.js';
import { spawnPlugrig } from '../support/plugrig-child.js';
import { describeBackupSize, measureBackupSize } from './backup-size.js';

const UNITS = Number(process.env.PLUGRIG_BENCH_UNITS ?? 100_000);
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;

async function build(path: string): Promise<void> {
  const started = performance.now();
  const store = await openSqliteStore(path);
  const runs = { n: 0 };
  function* progress(events: Iterable<RunEvent>): Generator<RunEvent> {
    let next = 20_000;
    for (const e of events) {
      if (runs.n >= next) {
        process.stdout.write(`  built ${next} runs, ${((performance.now() - started) / 1000).toFixed(0)} s, RSS ${mb(process.memoryUsage().rss)}\n`);
        next += 20_000;
      }
      yield e;
    }
  }
  const c = await store.importRuns({ events: progress(syntheticEvents(UNITS, runs)) });
  await store.close();
  const size = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
  console.log(
    `built ${c.runs} runs (${UNITS} units), ${c.events} events (${(c.events / c.runs).toFixed(1)}/run) in ${((performance.now() - started) / 1000).toFixed(1)} s; file ${mb(size)}`,
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

  await store.close();
  await measureServe(dirname(path));
}

/** VmRSS of another process, in bytes (Linux). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** `plugrig serve` on the store: start until listening, RSS, then a replay from seq 0 over WebSocket. */
async function measureServe(storeDir: string): Promise<void> {
  const t0 = performance.now();
  const { child, waitForOut, kill } = spawnPlugrig(['serve', '--sim-slots', '4', '--port', '0', '--store', storeDir]);
  try {
    const url = (await waitForOut(/^listening: (http:\S+)$/m, 60_000))[1]!;
    const startMs = performance.now() - t0;
    console.log(`serve (4 slots): spawn until listening ${startMs.toFixed(0)} ms; RSS when listening ${mb(rssOf(child.pid!))}`);

    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let head = 0;
    let n = 0;
    let last = 0;
    let maxRss = 0;
    let t = 0;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssOf(child.pid!))), 200);
    await new Promise<void>((resolve, reject) => {
      const stall = setInterval(() => {
        if (performance.now() - last > 30_000) reject(new Error(`replay stalled at ${n} of ${head} events`));
      }, 1000);
      ws.on('message', (d: Buffer) => {
        last = performance.now();
        // Frames are `{"type":"event","seq":N,...}`: read the seq without parsing the whole event.
        const s = d.toString('utf8', 0, 64);
        if (s.startsWith('{"type":"event"')) {
          n += 1;
          if (n % 100_000 === 0) process.stdout.write(`  replayed ${n} of ${head}\n`);
          if (Number(/"seq":(\d+)/.exec(s)?.[1]) >= head) {
            clearInterval(stall);
            resolve();
          }
        } else if (s.startsWith('{"type":"subscribed"')) {
          head = (JSON.parse(d.toString()) as { head: number }).head;
          t = last = performance.now();
          if (head === 0) resolve();
        }
      });
      ws.send(JSON.stringify({ type: 'subscribe', slot: '*', since: 0 }));
    });
    clearInterval(sampler);
    const s = (performance.now() - t) / 1000;
    console.log(`replay from seq 0 over WebSocket: ${n} events in ${s.toFixed(1)} s = ${Math.round(n / s)} events/s; serve RSS max ${mb(maxRss)} during it`);
    ws.close();
    const closed = new Promise((r) => child.once('close', r));
    child.kill('SIGTERM');
    await closed;
  } finally {
    kill();
  }
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === 'measure') {
  await measure(process.argv[3]!);
} else {
  const keep = process.env.PLUGRIG_BENCH_STORE;
  const dir = keep ? undefined : mkdtempSync(join(tmpdir(), 'plugrig-bench-records-'));
  if (keep) mkdirSync(keep, { recursive: true });
  const path = join(keep ?? dir!, 'records.sqlite');
  if (!existsSync(path)) await build(path);
  else console.log(`reusing ${path}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, 'measure', path], { stdio: 'inherit', env: process.env });
  if (dir) rmSync(dir, { recursive: true, force: true });
  for (const line of describeBackupSize(await measureBackupSize(1000))) console.log(line);
  process.exitCode = r.status ?? 1;
}
