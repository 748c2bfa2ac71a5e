/** The behaviour both record stores promise, run against each; each store's own tests are beside it. */
import { describe, expect, test } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { StoreSink } from '../../src/report/store/store-sink.js';
import { runPlan } from '../../src/run/runner.js';
import { inTmpDir, ok, openStore, STORE_KINDS, type StoreKind, started } from './fixtures/stores.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const child = join(here, 'fixtures', 'store-child.ts');

describe.each(STORE_KINDS.map((k) => [k]))('record store contract: %s', (kind: StoreKind) => {
  const open = (dir: string, readOnly?: boolean) => openStore(kind, dir, readOnly);

  test('queries by MAC in any spelling, outcome, slot, time and runId; eventsSince filters by slot', () =>
    inTmpDir(async (dir) => {
      const store = await open(dir);
      const sinks = [new StoreSink(store)];
      await runPlan({ runId: 'p', slot: 's0', rig: 'sim', unit: { mac: 'C8478C0000AA' }, plan: [ok('x')], sinks });
      await runPlan({ runId: 'f', slot: 's1', rig: 'sim', unit: { mac: 'C8478C0000BB' }, plan: [ok('x', false)], sinks });
      expect((await store.records({ mac: 'c8:47:8c:00:00:aa' })).map((r) => r.runId)).toEqual(['p']);
      expect((await store.records({ mac: 'c8478c0000aa' }))[0]).toMatchObject({ status: 'finished', outcome: 'PASS', unit: { mac: 'C8478C0000AA' } });
      expect((await store.records({ outcome: 'FAIL' })).map((r) => r.runId)).toEqual(['f']);
      expect((await store.records({ slot: 's1' })).map((r) => r.runId)).toEqual(['f']);
      expect((await store.records({ runId: 'p' })).map((r) => r.runId)).toEqual(['p']);
      expect(await store.records({ since: Date.now() + 60_000 })).toEqual([]);
      expect((await store.records({ until: Date.now() + 60_000 })).length).toBe(2);
      expect((await store.records({ limit: 1 })).length).toBe(1);
      const s1 = await store.eventsSince(0, { slot: 's1' });
      expect(s1.length).toBeGreaterThan(2);
      expect(s1.every((e) => e.event.slot === 's1')).toBe(true);
      const all = await store.eventsSince(0);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(store.head()).toBe(all.length);
      await store.close();
      // A fresh reader (nothing cached) sees the same.
      const r = await open(dir, true);
      expect((await r.eventsSince(0, { slot: 's1' })).map((e) => e.seq)).toEqual(s1.map((e) => e.seq));
      expect((await r.records()).map((x) => x.runId).sort()).toEqual(['f', 'p']);
      await r.close();
    }));

  test('one writer at a time; a reader alongside it sees its runs as running and cannot append', () =>
    inTmpDir(async (dir) => {
      const w = await open(dir);
      await expect(open(dir)).rejects.toMatchObject({ code: 'E_STORE_LOCKED' });
      await w.append(started('r1', 's0', Date.now()));
      const r = await open(dir, true);
      expect((await r.records())[0]).toMatchObject({ runId: 'r1', status: 'running' });
      expect((await r.records({ outcome: 'RUNNING' })).map((x) => x.runId)).toEqual(['r1']);
      await expect(r.append({ type: 'log', runId: 'r1', slot: 's0', seq: 2, t: 0, level: 'info', message: 'x' })).rejects.toMatchObject({
        code: 'E_STORE_READONLY',
      });
      await r.close();
      await w.close();
    }));

  test('a run left open by a writer that is gone reads as unfinished, and the next writer marks it once', () =>
    inTmpDir(async (dir) => {
      const w = await open(dir);
      await w.append(started('gone', 's0', 1000, 'C8478C000009'));
      await w.append({ type: 'phase.started', runId: 'gone', slot: 's0', seq: 2, t: 1001, phase: 'x', attempt: 1 });
      await w.close(); // as after a crash: no run.finished
      const r = await open(dir, true);
      expect((await r.records({ outcome: 'UNFINISHED' })).map((x) => [x.runId, x.status])).toEqual([['gone', 'unfinished']]);
      expect(await r.records({ outcome: 'RUNNING' })).toEqual([]);
      await r.close();
      const w2 = await open(dir);
      const [rec] = await w2.records({ mac: 'C8:47:8C:00:00:09' });
      expect(rec).toMatchObject({ runId: 'gone', status: 'unfinished' });
      expect(rec!.phases[0]).toMatchObject({ name: 'x', started: true });
      await w2.close();
      const w3 = await open(dir);
      expect((await w3.records()).map((x) => x.status)).toEqual(['unfinished']);
      await w3.close();
    }));

  test(
    'a writer killed with SIGKILL mid-run: every committed event is kept, the run reads unfinished and is marked so by the next writer',
    () =>
      inTmpDir(async (dir) => {
        const proc = spawn(process.execPath, ['--import', 'tsx', child, kind, 'crash', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        proc.stderr.on('data', (d) => (err += d));
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            proc.kill('SIGKILL'); // never leave it running
            reject(new Error(`child never reached flashing: ${err}`));
          }, 40_000);
          proc.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('flashing\n') && !proc.killed) {
              clearTimeout(timer);
              setTimeout(() => {
                proc.kill('SIGKILL');
                resolve();
              }, 50); // let it keep appending right up to the kill
            }
          });
        });
        await new Promise((r) => proc.once('exit', r));
        const committed = [...out.matchAll(/^c (\d+) /gm)].map((m) => Number(m[1]));
        expect(committed.length).toBeGreaterThan(20);

        // A reader (no writer alive) sees the finished run and the killed one as unfinished.
        const reader = await open(dir, true);
        const before = await reader.records();
        expect(before.find((r) => r.runId === 'run-done')).toMatchObject({ status: 'finished', outcome: 'PASS', unit: { mac: 'C8478C000001' } });
        expect(before.find((r) => r.runId === 'run-killed')).toMatchObject({ status: 'unfinished' });
        await reader.close();

        // The next writer opens cleanly, keeps everything the dead one committed, marks the run unfinished.
        const store = await open(dir);
        expect(store.openReport.markedUnfinished).toEqual(['run-killed']);
        const seqs: number[] = [];
        for (let since = 0; ; ) {
          const page = await store.eventsSince(since, { limit: 100 });
          if (!page.length) break;
          seqs.push(...page.map((e) => e.seq));
          since = page.at(-1)!.seq;
        }
        expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // contiguous: nothing lost in the middle
        for (const c of committed) expect(seqs).toContain(c);
        expect(store.head()).toBe(seqs.at(-1));
        const killed = (await store.records({ outcome: 'UNFINISHED' }))[0]!;
        expect(killed.runId).toBe('run-killed');
        expect(killed.phases.find((p) => p.name === 'link')?.outcome).toBe('PASS');
        expect(killed.phases.find((p) => p.name === 'flash')?.lastProgress?.done).toBeGreaterThan(0);

        // And it keeps working: a new run continues the stream.
        const rec = await runPlan({ runId: 'run-after', slot: 'slot0', rig: 'sim', plan: [ok('link')], sinks: [new StoreSink(store)] });
        expect(rec.outcome).toBe('PASS');
        expect((await store.eventsSince(store.head() - 1))[0]!.seq).toBe(store.head());
        expect((await store.eventsSince(seqs.at(-1)!))[0]!.seq).toBe(seqs.at(-1)! + 1);
        await store.close();

        // A second reopen does not mark it again.
        const again = await open(dir);
        expect(again.openReport.markedUnfinished).toEqual([]);
        expect((await again.records()).map((r) => [r.runId, r.status]).sort()).toEqual([
          ['run-after', 'finished'],
          ['run-done', 'finished'],
          ['run-killed', 'unfinished'],
        ]);
        await again.close();
      }),
    60_000,
  );

  test(
    'another process opened read-only sees what the writer committed, while the writer stays open',
    () =>
      inTmpDir(async (dir) => {
        const read = async () =>
          JSON.parse((await promisify(execFile)(process.execPath, ['--import', 'tsx', child, kind, 'read', dir])).stdout) as {
            head: number;
            runs: [string, string, string | null][];
            events: number;
          };
        const w = await open(dir);
        const sinks = [new StoreSink(w)];
        await runPlan({ runId: 'one', slot: 's0', rig: 'sim', unit: { mac: 'C8478C000001' }, plan: [ok('x')], sinks });
        await w.append(started('two', 's1', Date.now() + 1));
        const seen = await read();
        expect(seen.head).toBe(w.head());
        expect(seen.events).toBe(w.head());
        expect(seen.runs).toEqual([
          ['two', 'running', null],
          ['one', 'finished', 'PASS'],
        ]);
        await w.close();
        expect((await read()).runs[0]).toEqual(['two', 'unfinished', null]);
      }),
    60_000,
  );
});
