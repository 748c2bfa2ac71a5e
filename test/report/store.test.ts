import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFileStore } from '../../src/report/store/file-store.js';
import { normalizeMac, parseSince } from '../../src/report/store/query.js';
import { resolveStoreDir } from '../../src/report/store/location.js';
import { StoreSink } from '../../src/report/store/store-sink.js';
import { runPlan } from '../../src/run/runner.js';
import type { Phase } from '../../src/core/run-types.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const tmp = () => mkdtemp(join(tmpdir(), 'plugrig-store-'));
const ok = (name: string, value: unknown = true): Phase => ({
  name,
  timeoutMs: 1000,
  run: async (ctx) => void ctx.measure({ name, value: value as boolean, limits: { equals: true } }),
});

describe('file record store', () => {
  test('a writer killed with SIGKILL mid-run leaves every committed event readable and the run marked unfinished', async () => {
    const dir = await tmp();
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'crash-writer.ts'), dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const committed: number[] = [];
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL'); // never leave it running
        reject(new Error(`child never reached flashing: ${err}`));
      }, 40_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('flashing\n') && !child.killed) {
          clearTimeout(timer);
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 50); // let it keep appending right up to the kill
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    for (const m of out.matchAll(/^c (\d+) /gm)) committed.push(Number(m[1]));
    expect(committed.length).toBeGreaterThan(20);

    // A reader (no writer alive) sees the finished run and the killed one as unfinished.
    const reader = await openFileStore(dir, { mode: 'read' });
    const before = await reader.records();
    expect(before.find((r) => r.runId === 'run-done')).toMatchObject({ status: 'finished', outcome: 'PASS', unit: { mac: 'C8478C000001' } });
    expect(before.find((r) => r.runId === 'run-killed')).toMatchObject({ status: 'unfinished' });
    await reader.close();

    // The next writer opens cleanly, keeps everything the dead one committed, marks the run unfinished.
    const store = await openFileStore(dir);
    expect(store.openReport.markedUnfinished).toEqual(['run-killed']);
    const events = await store.eventsSince(0, { limit: 1e6 });
    const seqs = events.map((e) => e.seq);
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
    const again = await openFileStore(dir);
    expect(again.openReport.markedUnfinished).toEqual([]);
    expect((await again.records()).map((r) => [r.runId, r.status]).sort()).toEqual([
      ['run-after', 'finished'],
      ['run-done', 'finished'],
      ['run-killed', 'unfinished'],
    ]);
    await again.close();
    await rm(dir, { recursive: true });
  });

  test('a torn last line is skipped and the next append starts on a fresh line', async () => {
    const dir = await tmp();
    const s1 = await openFileStore(dir);
    await runPlan({ runId: 'a', slot: 's0', rig: 'sim', plan: [ok('x')], sinks: [new StoreSink(s1)] });
    const head = s1.head();
    await s1.close();
    const file = join(dir, (await readdir(dir)).find((n) => n.startsWith('events-'))!);
    await appendFile(file, '{"c":999,"e":{"runId":"a","sl'); // power lost mid-write
    const s2 = await openFileStore(dir);
    expect(s2.openReport.tornFiles).toBe(1);
    expect(s2.head()).toBe(head);
    await runPlan({ runId: 'b', slot: 's0', rig: 'sim', plan: [ok('x')], sinks: [new StoreSink(s2)] });
    await s2.close();
    const s3 = await openFileStore(dir, { mode: 'read' });
    expect(s3.openReport.badLines).toBe(1);
    expect((await s3.records()).map((r) => r.runId).sort()).toEqual(['a', 'b']);
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    await s3.close();
    await rm(dir, { recursive: true });
  });

  test('one writer at a time; readers alongside it see its runs as running', async () => {
    const dir = await tmp();
    const w = await openFileStore(dir);
    await expect(openFileStore(dir)).rejects.toMatchObject({ code: 'E_STORE_LOCKED' });
    await w.append({ type: 'run.started', runId: 'r1', slot: 's0', seq: 1, t: Date.now(), rig: 'sim', plan: ['x'], unit: {} });
    const r = await openFileStore(dir, { mode: 'read' });
    expect((await r.records())[0]).toMatchObject({ runId: 'r1', status: 'running' });
    await expect(r.append({ type: 'log', runId: 'r1', slot: 's0', seq: 2, t: 0, level: 'info', message: 'x' })).rejects.toMatchObject({
      code: 'E_STORE_READONLY',
    });
    await r.close();
    await w.close();
    await rm(dir, { recursive: true });
  });

  test('queries by MAC in any spelling, outcome, slot and time; eventsSince filters by slot', async () => {
    const dir = await tmp();
    const store = await openFileStore(dir);
    const sinks = [new StoreSink(store)];
    await runPlan({ runId: 'p', slot: 's0', rig: 'sim', unit: { mac: 'C8478C0000AA' }, plan: [ok('x')], sinks });
    await runPlan({ runId: 'f', slot: 's1', rig: 'sim', unit: { mac: 'C8478C0000BB' }, plan: [ok('x', false)], sinks });
    expect((await store.records({ mac: 'c8:47:8c:00:00:aa' })).map((r) => r.runId)).toEqual(['p']);
    expect((await store.records({ outcome: 'FAIL' })).map((r) => r.runId)).toEqual(['f']);
    expect((await store.records({ slot: 's1' })).map((r) => r.runId)).toEqual(['f']);
    expect(await store.records({ since: Date.now() + 60_000 })).toEqual([]);
    expect((await store.records({ limit: 1 })).length).toBe(1);
    const s1 = await store.eventsSince(0, { slot: 's1' });
    expect(s1.length).toBeGreaterThan(2);
    expect(s1.every((e) => e.event.slot === 's1')).toBe(true);
    await store.close();
    // A fresh process reading from disk (no tail cache) sees the same.
    const r = await openFileStore(dir, { mode: 'read' });
    expect((await r.eventsSince(0, { slot: 's1' })).map((e) => e.seq)).toEqual(s1.map((e) => e.seq));
    await r.close();
    await rm(dir, { recursive: true });
  });

  test('bad lines of another shape are skipped, not fatal', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'records-2026-01-01.jsonl'), '[1,2]\n{"r":{"runId":"x"}}\nnot json\n');
    const s = await openFileStore(dir, { mode: 'read' });
    expect(s.openReport.badLines).toBe(3);
    expect(await s.records()).toEqual([]);
    await s.close();
    await rm(dir, { recursive: true });
  });
});

describe('store helpers', () => {
  test('store location: --store, then PLUGRIG_HOME, then ~/.local/share/plugrig', () => {
    expect(resolveStoreDir({ store: 'x', env: { PLUGRIG_HOME: '/h' }, cwd: '/w' })).toBe('/w/x');
    expect(resolveStoreDir({ env: { PLUGRIG_HOME: '/h' }, cwd: '/w' })).toBe('/h');
    expect(resolveStoreDir({ env: {}, cwd: '/w' })).toMatch(/\.local\/share\/plugrig$/);
  });
  test('MAC and --since parsing', () => {
    expect(normalizeMac('c8:47:8c:00:00:aa')).toBe('C8478C0000AA');
    expect(normalizeMac('C8478C0000A')).toBeUndefined();
    expect(normalizeMac('zz478C0000AA')).toBeUndefined();
    const now = Date.UTC(2026, 10, 29, 12);
    expect(parseSince('2h', now)).toBe(now - 7_200_000);
    expect(parseSince('2026-11-29T08:00Z', now)).toBe(Date.UTC(2026, 10, 29, 8));
    expect(parseSince('yesterday-ish', now)).toBeUndefined();
  });
});
