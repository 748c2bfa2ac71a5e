/**
 * `plugrig records` on the SQLite default store: streamed output shapes on a few thousand synthetic
 * records with a heap too small to hold the answer, import of a JSON-lines store (twice), the hint
 * for a directory that holds only the old store, and records read while serve writes.
 */
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openFileStore } from '../../src/report/store/file-store.js';
import { openSqliteStore } from '../../src/report/store/sqlite-store.js';
import { startServe } from '../../src/station/serve-app.js';
import { cli } from '../cli/run-cli.js';
import { inTmpDir, started } from './fixtures/stores.js';
import { syntheticEvents } from './fixtures/synthetic-units.js';
import { PACKAGE_DIR, PLUGRIG_BIN, spawnPlugrig } from '../support/plugrig-child.js';
import { connect } from './ws-client.js';

const root = PACKAGE_DIR;
const bin = PLUGRIG_BIN;
const run = promisify(execFile);

/** `plugrig records …` in a child whose heap (16 MB) is smaller than the answer. */
const records = (dir: string, ...args: string[]) =>
  run(process.execPath, ['--max-old-space-size=16', bin, 'records', '--store', dir, ...args], { cwd: root, maxBuffer: 1 << 28 });

describe('plugrig records on records.sqlite', () => {
  test('--json, --ndjson and --csv stream 4000+ records with a 16 MB heap; they parse and the counts match', async () => {
    await inTmpDir(async (dir) => {
      const store = await openSqliteStore(join(dir, 'records.sqlite'));
      const made = { n: 0 };
      await store.importRuns({ events: syntheticEvents(4000, made) });
      const fails = (await store.records({ outcome: 'FAIL' })).length;
      await store.close();

      const json = await records(dir, '--json');
      expect(json.stdout.length).toBeGreaterThan(16 * 2 ** 20 * 0.7); // the answer is about the heap's size
      const all = JSON.parse(json.stdout) as { runId: string; status: string }[];
      expect(all).toHaveLength(made.n);
      expect(new Set(all.map((r) => r.runId)).size).toBe(made.n);

      const nd = (await records(dir, '--ndjson')).stdout.split('\n');
      expect(nd.pop()).toBe('');
      expect(nd).toHaveLength(made.n);
      expect(nd.map((l) => (JSON.parse(l) as { runId: string }).runId)).toEqual(all.map((r) => r.runId));

      const csv = (await records(dir, '--csv', '--outcome', 'FAIL')).stdout.split('\r\n');
      expect(csv.pop()).toBe('');
      expect(csv[0]).toBe('mac,firmware_sha256,outcome,started_at,finished_at,station,slot,run_id,calibration_outcome,calibration');
      expect(csv).toHaveLength(fails + 1);
      const row = csv[1]!.split(',');
      expect(row[0]).toMatch(/^C8:47:8C:[0-9A-F:]{8}$/);
      expect(row[2]).toBe('FAIL');
      expect(new Date(row[3]!).toISOString()).toBe(row[3]);
      expect(row[6]).toMatch(/^slot\d$/);
      expect(row[8]).toBe('FAIL');
      expect(row[9]).toMatch(/current_a=0\.9 A FAIL/);

      // A date range: the first day of the synthetic history (2 000 units a day from 2026-01-01 06:00 UTC).
      const day = (await records(dir, '--csv', '--since', '2026-01-01T00:00Z', '--until', '2026-01-02T00:00Z')).stdout.split('\r\n');
      const inDay = all.filter((r) => (r as unknown as { startedAt: number }).startedAt < Date.UTC(2026, 0, 2)).length;
      expect(day).toHaveLength(inDay + 2); // header, rows, trailing ''
    });
  }, 60_000);

  test('import brings a JSON-lines store over once: a second import adds nothing', async () => {
    await inTmpDir(async (dir) => {
      const old = join(dir, 'old');
      const fs = await openFileStore(old);
      for (const e of syntheticEvents(20)) await fs.append(e);
      await fs.append(started('cut-off', 'slot9', Date.UTC(2026, 0, 3), 'C8478C00FFFF')); // never finished
      const oldRecords = (await fs.records()).length;
      await fs.close();

      const first = await cli(['records', 'import', old, '--store', join(dir, 'new')]);
      expect(first.code).toBe(0);
      const m = /^imported (\d+) run\(s\) \((\d+) events, 1 unfinished\); 0 already there; 0 unreadable/.exec(first.out);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBe(oldRecords);
      const again = await cli(['records', 'import', old, '--store', join(dir, 'new')]);
      expect(again.out).toMatch(new RegExp(`^imported 0 run\\(s\\) \\(0 events\\); ${oldRecords} already there`));

      const got = (await cli(['records', '--store', join(dir, 'new'), '--ndjson'])).out.trim().split('\n');
      expect(got).toHaveLength(oldRecords);
      const cut = await cli(['records', '--store', join(dir, 'new'), '--mac', 'C8:47:8C:00:FF:FF', '--json']);
      expect((JSON.parse(cut.out) as { status: string }[]).map((r) => r.status)).toEqual(['unfinished']);
    });
  }, 30_000);

  test('a directory with only a JSON-lines store: records and serve name the import command, and create nothing', async () => {
    await inTmpDir(async (dir) => {
      const fs = await openFileStore(dir);
      await fs.append(started('r1', 's', 1000));
      await fs.close();
      const r = await cli(['records', '--store', dir]);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^E_STORE_OLD_FORMAT: .*JSON-lines.*plugrig records import /);
      await expect(
        startServe({ slots: [{ slot: 's', rig: 'sim' }], factory: () => Promise.reject(new Error('no runs')), storeDir: dir, port: 0 }),
      ).rejects.toMatchObject({ code: 'E_STORE_OLD_FORMAT' });
      expect(existsSync(join(dir, 'records.sqlite'))).toBe(false);
    });
  });

  test('records in another process while serve writes: running runs read as running, then finished', async () => {
    await inTmpDir(async (dir) => {
      const args = '--sim-slots 2 --sim-speed 20 --port 0 --token secret-token-1'.split(' ');
      const { child, waitForOut, kill } = spawnPlugrig(['serve', ...args, '--store', dir]);
      try {
        const url = (await waitForOut(/^listening: (http:\S+)$/m, 40_000))[1]!;
        const c = await connect(url);
        c.send({ type: 'subscribe', slot: '*' });
        c.send({ type: 'start', slot: '*', token: 'secret-token-1' });
        await c.next((m) => m.type === 'event' && m.event.type === 'phase.started', 20_000);
        const during = (await records(dir, '--ndjson')).stdout.trim().split('\n');
        const statuses = during.map((l) => (JSON.parse(l) as { status: string }).status);
        expect(statuses.length).toBeGreaterThanOrEqual(1);
        expect(statuses).toContain('running');
        await c.next((m) => m.type === 'event' && m.event.type === 'run.finished' && m.event.slot === 'slot0', 60_000);
        await c.next((m) => m.type === 'event' && m.event.type === 'run.finished' && m.event.slot === 'slot1', 60_000);
        const after = (await records(dir, '--json')).stdout;
        expect((JSON.parse(after) as { status: string }[]).map((r) => r.status)).toEqual(['finished', 'finished']);
        c.ws.close();
        const closed = new Promise((r) => child.once('close', r));
        child.kill('SIGTERM');
        expect(await closed).toBe(0);
      } finally {
        kill();
      }
    });
  }, 120_000);
});
