/**
 * The forwarder's own promises, with a scripted target and no servers: order, retry of the same
 * page with a bounded, doubling backoff on the injected clock, the persisted cursor, and a cursor
 * that does not match its store.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { RunEvent } from '../../src/core/run-types.js';
import { type ForwardTarget, Forwarder } from '../../src/report/store/forwarder.js';
import { openSqliteStore } from '../../src/report/store/sqlite-store.js';
import type { StoredEvent } from '../../src/report/store/types.js';

const log = (runId: string, seq: number): RunEvent => ({ type: 'log', runId, slot: 's0', seq, t: seq, level: 'info', message: `m${seq}` });

/** Delivers to `got`; fails while `down`, noting when each attempt came (virtual ms). */
function scripted(clock: VirtualClock) {
  const got: string[] = [];
  const attempts: number[] = [];
  const state = { down: false };
  const target: ForwardTarget = {
    name: 'fake',
    async deliver(events: readonly StoredEvent[]) {
      attempts.push(clock.now());
      if (state.down) throw new Error('far end away');
      for (const e of events) got.push(`${e.event.runId}#${e.event.seq}`);
    },
  };
  return { got, attempts, state, target };
}

const settle = async (turns = 20) => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
};

describe('forwarder', () => {
  test('forwards in order, retries the same page with bounded doubling backoff, then catches up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plugrig-fwd-'));
    const clock = new VirtualClock({ autoAdvance: false });
    const local = await openSqliteStore(join(dir, 'records.sqlite'));
    const t = scripted(clock);
    const fwd = new Forwarder({
      source: local,
      target: t.target,
      cursorFile: join(dir, 'fwd.json'),
      clock,
      pageSize: 3,
      minBackoffMs: 100,
      maxBackoffMs: 400,
    }).start();
    for (let i = 1; i <= 4; i++) await local.append(log('a', i));
    await fwd.drained();
    expect(t.got).toEqual(['a#1', 'a#2', 'a#3', 'a#4']);

    const before = t.attempts.length;
    t.state.down = true;
    for (let i = 5; i <= 9; i++) await local.append(log('a', i));
    await settle();
    const start = clock.now();
    for (let step = 0; step < 20; step++) {
      clock.advance(100);
      await settle();
    }
    // Waits of 100, 200, 400, 400, 400…: never past the bound, never the next page before this one.
    const failed = t.attempts.slice(before);
    const waits = failed.map((x, i) => x - (i ? failed[i - 1]! : start));
    expect(waits).toEqual([0, 100, 200, 400, 400, 400, 400]);
    expect(fwd.status()).toMatchObject({ cursor: 4, behind: 5, lastError: 'far end away' });

    t.state.down = false;
    clock.advance(400);
    await fwd.drained();
    expect(t.got).toEqual(Array.from({ length: 9 }, (_, i) => `a#${i + 1}`));
    expect(JSON.parse(await readFile(join(dir, 'fwd.json'), 'utf8'))).toMatchObject({ cursor: 9, runId: 'a', runSeq: 9 });
    expect(fwd.status()).toMatchObject({ cursor: 9, behind: 0 });
    await fwd.close();

    // A new forwarder resumes after the cursor: nothing is sent twice.
    const again = scripted(clock);
    await local.append(log('a', 10));
    const next = new Forwarder({ source: local, target: again.target, cursorFile: join(dir, 'fwd.json'), clock }).start();
    await next.drained();
    expect(again.got).toEqual(['a#10']);
    await next.close();

    // A cursor that names another event (the store was replaced) starts over rather than skip.
    await writeFile(join(dir, 'fwd.json'), JSON.stringify({ cursor: 10, runId: 'other', runSeq: 1 }));
    const fresh = scripted(clock);
    const restart = new Forwarder({ source: local, target: fresh.target, cursorFile: join(dir, 'fwd.json'), clock }).start();
    await restart.drained();
    expect(fresh.got.length).toBe(10);
    await restart.close();
    await local.close();
    await rm(dir, { recursive: true, force: true });
  });
});
