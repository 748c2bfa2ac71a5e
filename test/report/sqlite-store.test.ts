import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/report/store/sqlite-store.js';
import { SCHEMA_VERSION } from '../../src/report/store/sqlite-schema.js';
import { StoreSink } from '../../src/report/store/store-sink.js';
import { runPlan } from '../../src/run/runner.js';
import type { RunEvent } from '../../src/core/run-types.js';
import { inTmpDir, ok, started } from './fixtures/stores.js';

/** The SQLite store's own behaviour; what both stores promise is in store-contract.test.ts. */
describe('sqlite record store', () => {
  test('eventsSince returns at most one page, whatever the caller asks', () =>
    inTmpDir(async (dir) => {
      const w = await openSqliteStore(join(dir, 'records.sqlite'), { maxPage: 3 });
      await w.append(started('p', 's0', 1));
      for (const seq of [2, 3, 4, 5]) await w.append({ type: 'log', runId: 'p', slot: 's0', seq, t: seq, level: 'info', message: 'm' });
      expect((await w.eventsSince(0, { limit: 1e6 })).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await w.eventsSince(3)).map((e) => e.seq)).toEqual([4, 5]);
      await w.close();
    }));

  test('an append resolves only once committed: a separate connection sees it at that moment', () =>
    inTmpDir(async (dir) => {
      const path = join(dir, 'records.sqlite');
      const w = await openSqliteStore(path);
      const other = new Database(path, { readonly: true });
      const count = () => (other.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
      const heard: number[] = [];
      w.subscribe((s) => heard.push(s.seq));
      // Appended in one turn: one transaction; none visible before it, all after.
      const ps = [
        w.append(started('g', 's0', 1)),
        ...[2, 3, 4].map((seq) => w.append({ type: 'log', runId: 'g', slot: 's0', seq, t: seq, level: 'info', message: `m${seq}` } as RunEvent)),
      ];
      expect(count()).toBe(0);
      expect(heard).toEqual([]);
      const first = await ps[0]!;
      expect(first.seq).toBe(1);
      expect(count()).toBe(4);
      expect((await Promise.all(ps)).map((s) => s.seq)).toEqual([1, 2, 3, 4]);
      expect(heard).toEqual([1, 2, 3, 4]);
      other.close();
      await w.close();
    }));

  test('schema: WAL, user_version, phases and measurements of ended runs, indexes used by queries', () =>
    inTmpDir(async (dir) => {
      const path = join(dir, 'records.sqlite');
      const w = await openSqliteStore(path);
      await runPlan({ runId: 'm', slot: 's0', rig: 'sim', unit: { mac: 'C8478C0000AA' }, plan: [ok('x'), ok('y', false)], sinks: [new StoreSink(w)] });
      await w.close();
      const db = new Database(path, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.prepare('SELECT name, outcome FROM phases WHERE run_id = ? ORDER BY ord').all('m')).toEqual([
        { name: 'x', outcome: 'PASS' },
        { name: 'y', outcome: 'FAIL' },
      ]);
      expect(db.prepare('SELECT phase, name, value, verdict FROM measurements WHERE run_id = ? ORDER BY phase').all('m')).toEqual([
        { phase: 'x', name: 'x', value: 1, verdict: 'PASS' },
        { phase: 'y', name: 'y', value: 0, verdict: 'FAIL' },
      ]);
      const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
      expect(plan("SELECT record FROM runs WHERE mac = 'X' ORDER BY started_at DESC, run_id DESC")).toMatch(/runs_mac/);
      expect(plan("SELECT record FROM runs WHERE outcome = 'FAIL' ORDER BY started_at DESC, run_id DESC")).toMatch(/runs_outcome/);
      expect(plan('SELECT record FROM runs WHERE started_at >= 1 AND started_at < 2 ORDER BY started_at DESC, run_id DESC')).toMatch(/runs_started/);
      expect(plan("SELECT seq, body FROM events WHERE slot = 's0' AND seq > 5 ORDER BY seq LIMIT 10")).toMatch(/events_slot_seq/);
      db.close();
      // A store from a newer plugrig is refused, not guessed at.
      const newer = new Database(path);
      newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      newer.close();
      await expect(openSqliteStore(path)).rejects.toMatchObject({ code: 'E_STORE_VERSION' });
      await expect(openSqliteStore(path, { readOnly: true })).rejects.toMatchObject({ code: 'E_STORE_VERSION' });
    }));

  test('a missing store opened read-only is empty', () =>
    inTmpDir(async (dir) => {
      const r = await openSqliteStore(join(dir, 'none.sqlite'), { readOnly: true });
      expect(await r.records()).toEqual([]);
      expect(r.head()).toBe(0);
      expect(await r.eventsSince(0)).toEqual([]);
      await r.close();
    }));
});
