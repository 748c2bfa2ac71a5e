import { describe, expect, test } from '@jest/globals';
import { BUTTON_POLL_MS, initialButtonState, stepButton, type ButtonEvent, type ButtonState } from '../../../src/sim/firmware/button.js';

/** Feeds a "level:ms" timeline at 25 ms polls; returns events with the poll time they fired. */
function drive(timeline: string, start: ButtonState = initialButtonState(1, 0)) {
  let s = start;
  let t = 0;
  const seen: Array<{ t: number; e: ButtonEvent }> = [];
  for (const [level, ms] of segments(timeline)) {
    for (let k = 0; k < ms / BUTTON_POLL_MS; k++) {
      t += BUTTON_POLL_MS;
      const r = stepButton(s, level, BUTTON_POLL_MS);
      s = r.state;
      for (const e of r.events) seen.push({ t, e });
    }
  }
  return { state: s, seen, clicks: seen.filter((x) => x.e.kind === 'click') };
}

/** "0:100 1:150" -> [[0, 100], [1, 150]]: a level timeline on one line. */
function segments(timeline: string): Array<[0 | 1, number]> {
  return timeline.split(' ').map((seg) => {
    const [level, ms] = seg.split(':').map(Number);
    return [level === 0 ? 0 : 1, ms!];
  });
}

describe('button state machine (25 ms poll, 75 ms debounce, 300 ms window, 1 s long press)', () => {
  test('a single click fires after the click window, not at release', () => {
    const { seen, clicks } = drive('1:100 0:200 1:1000');
    expect(clicks).toHaveLength(1);
    expect(clicks[0]!.e).toEqual({ kind: 'click', count: 1 });
    const release = seen.find((x) => x.e.kind === 'release')!;
    // release seen after 75 ms debounce (300 + 75); click after > 300 ms more of quiet
    expect(release.t).toBe(375);
    expect(clicks[0]!.t - release.t).toBeGreaterThan(300);
    expect(clicks[0]!.t - release.t).toBeLessThanOrEqual(325);
  });

  test('a press shorter than the debounce is ignored', () => {
    const { seen } = drive('1:100 0:50 1:1000');
    expect(seen).toEqual([]);
  });

  test('exactly the debounce time is enough to register a press', () => {
    const { seen } = drive('1:50 0:75 1:1000');
    expect(seen.map((x) => x.e.kind)).toEqual(['press', 'release', 'click']);
  });

  test('a long press does not click; hold events repeat; release ends it', () => {
    const { seen, clicks } = drive('0:2200 1:1000');
    expect(clicks).toHaveLength(0);
    const kinds = seen.map((x) => x.e.kind);
    expect(kinds[0]).toBe('press');
    expect(kinds).toContain('long-start');
    expect(kinds.filter((k) => k === 'hold').length).toBeGreaterThanOrEqual(1);
    expect(kinds[kinds.length - 1]).toBe('release');
    const long = seen.find((x) => x.e.kind === 'long-start')!;
    expect(long.t).toBeGreaterThan(75 + 1000); // debounce + > 1000 ms held
  });

  // Level timelines as "level:ms" segments (0 = pressed, active-low); the clicks that come out.
  test.each([
    ['a press held 900 ms is still a click', '0:900 1:1000', [1]],
    ['two quick clicks make one double click', '0:100 1:150 0:100 1:1000', [2]],
    ['clicks spaced beyond the window stay single clicks', '0:100 1:500 0:100 1:1000', [1, 1]],
    ['a second press held past the window abandons the sequence', '0:100 1:150 0:600 1:1000', []],
    ['triple click counts three', '0:100 1:150 0:100 1:150 0:100 1:1000', [3]],
  ])('%s', (_name, timeline, counts) => {
    expect(drive(timeline).clicks.map((c) => c.e)).toEqual(counts.map((count) => ({ kind: 'click', count })));
  });

  test('active-high buttons (after inversion) work the same with activeLevel 1', () => {
    const { clicks } = drive('0:100 1:200 0:1000', initialButtonState(0, 1));
    expect(clicks.map((c) => c.e)).toEqual([{ kind: 'click', count: 1 }]);
  });

  test('jitter shorter than the debounce while held does not release the button', () => {
    const { clicks, seen } = drive('0:300 1:50 0:300 1:1000');
    expect(seen.filter((x) => x.e.kind === 'press')).toHaveLength(1);
    expect(clicks.map((c) => c.e)).toEqual([{ kind: 'click', count: 1 }]);
  });
});
