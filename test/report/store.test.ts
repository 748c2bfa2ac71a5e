import { describe, expect, test } from '@jest/globals';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openFileStore } from '../../src/report/store/file-store.js';
import { normalizeMac, parseSince } from '../../src/report/store/query.js';
import { resolveStoreDir } from '../../src/report/store/location.js';
import { StoreSink } from '../../src/report/store/store-sink.js';
import { runPlan } from '../../src/run/runner.js';
import { inTmpDir, ok } from './fixtures/stores.js';

/** The file store's own behaviour; what both stores promise is in store-contract.test.ts. */
describe('file record store', () => {
  test('a torn last line is skipped and the next append starts on a fresh line', () =>
    inTmpDir(async (dir) => {
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
    }));

  test('bad lines of another shape are skipped, not fatal', () =>
    inTmpDir(async (dir) => {
      await writeFile(join(dir, 'records-2026-01-01.jsonl'), '[1,2]\n{"r":{"runId":"x"}}\nnot json\n');
      const s = await openFileStore(dir, { mode: 'read' });
      expect(s.openReport.badLines).toBe(3);
      expect(await s.records()).toEqual([]);
      await s.close();
    }));
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
