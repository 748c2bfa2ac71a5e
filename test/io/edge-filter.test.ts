import { describe, test, expect } from '@jest/globals';
import { createEdgeFilter, type Timers } from '../../src/io/edge-filter.js';
import type { Edge, Level } from '../../src/io/types.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

/** A virtual clock stepped by hand: timers fire only when the test advances time. */
function manualTimers() {
  const clock = new VirtualClock({ autoAdvance: false });
  const timers: Timers = clock;
  return { timers, advance: (ms: number) => clock.advance(ms) };
}
const e = (level: Level, t: number): Edge => ({ level, tNs: BigInt(t) });

describe('edge filter', () => {
  test('without debounce: reports changes, drops repeated levels', () => {
    const out: Edge[] = [];
    const f = createEdgeFilter(1, 0, (x) => out.push(x));
    [e(1, 1), e(0, 2), e(0, 3), e(1, 4)].forEach((x) => f.feed(x));
    expect(out).toEqual([e(0, 2), e(1, 4)]);
  });

  test('with debounce: chatter collapses to the first raw edge of the level that stays', () => {
    const { timers, advance } = manualTimers();
    const out: Edge[] = [];
    const f = createEdgeFilter(1, 20, (x) => out.push(x), timers);
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
    const { timers, advance } = manualTimers();
    const out: Edge[] = [];
    const f = createEdgeFilter(0, 10, (x) => out.push(x), timers);
    f.feed(e(1, 1));
    advance(3);
    f.feed(e(0, 4));
    advance(50);
    expect(out).toEqual([]);
  });

  test('cancel drops a pending edge', () => {
    const { timers, advance } = manualTimers();
    const out: Edge[] = [];
    const f = createEdgeFilter(0, 10, (x) => out.push(x), timers);
    f.feed(e(1, 1));
    f.cancel();
    advance(50);
    expect(out).toEqual([]);
  });
});
