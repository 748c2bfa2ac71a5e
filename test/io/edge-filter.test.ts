import { describe, test, expect } from '@jest/globals';
import { createEdgeFilter, type Timers } from '../../src/io/edge-filter.js';
import type { Edge, Level } from '../../src/io/types.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

/** A debouncing filter on a virtual clock stepped by hand: its timers fire only when the test advances time. */
function debounced(initial: Level, debounceMs: number) {
  const clock = new VirtualClock({ autoAdvance: false });
  const timers: Timers = clock;
  const out: Edge[] = [];
  const f = createEdgeFilter(initial, debounceMs, (x) => out.push(x), timers);
  return { f, out, advance: (ms: number) => clock.advance(ms) };
}
const e = (level: Level, t: number): Edge => ({ level, tNs: BigInt(t) });

describe('edge filter', () => {
  test('without debounce: reports changes, drops repeated levels', () => {
    const out: Edge[] = [];
    const f = createEdgeFilter(1, 0, (x) => out.push(x));
    for (const x of [e(1, 1), e(0, 2), e(0, 3), e(1, 4)]) f.feed(x);
    expect(out).toEqual([e(0, 2), e(1, 4)]);
  });

  test('with debounce: chatter collapses to the first raw edge of the level that stays', () => {
    const { f, out, advance } = debounced(1, 20);
    f.feed(e(0, 100));
    advance(5);
    f.feed(e(1, 105));
    advance(5);
    f.feed(e(0, 110));
    advance(19);
    expect(out).toEqual([]);
    f.feed(e(0, 129)); // a repeat of the pending level restarts the wait but keeps the stamp
    advance(20);
    expect(out).toEqual([e(0, 110)]);
  });

  test('with debounce: a glitch that returns to the reported level is never reported', () => {
    const { f, out, advance } = debounced(0, 10);
    f.feed(e(1, 1));
    advance(3);
    f.feed(e(0, 4));
    advance(50);
    expect(out).toEqual([]);
  });

  test('cancel drops a pending edge', () => {
    const { f, out, advance } = debounced(0, 10);
    f.feed(e(1, 1));
    f.cancel();
    advance(50);
    expect(out).toEqual([]);
  });
});
