import { describe, test, expect } from '@jest/globals';
import { Bl0937Synth } from '../../src/checks/bl0937-synth.js';
import type { Edge, InputLine, Level } from '../../src/io/types.js';
import { FakePulse } from './fakes.js';

/** A SEL input whose edges the test emits by hand (including a repeated level). */
function selLine(initial: Level) {
  let level = initial;
  const cbs = new Set<(e: Edge) => void>();
  const line: InputLine = {
    name: 'P24',
    read: async () => level,
    watch: (cb) => {
      cbs.add(cb);
      return () => cbs.delete(cb);
    },
    close: async () => undefined,
  };
  return {
    line,
    emit: (l: Level) => {
      level = l;
      for (const cb of [...cbs]) cb({ level: l, tNs: process.hrtime.bigint() });
    },
    watchers: () => cbs.size,
  };
}

const F = { cfHz: 76.7, cf1VoltageHz: 1735.5, cf1CurrentHz: 42.2 };
const settle = () => new Promise((r) => setTimeout(r, 5));

describe('Bl0937Synth', () => {
  test('CF1 follows SEL (BL0937SEL: high = voltage), repeats are no edges, stop releases everything', async () => {
    const sel = selLine(1);
    const cf = new FakePulse('cf');
    const cf1 = new FakePulse('cf1');
    const s = new Bl0937Synth(cf, cf1, sel.line, false);
    await s.setLoad(F);
    expect([cf.hz, cf1.hz]).toEqual([76.7, 1735.5]);
    sel.emit(0);
    await settle();
    expect(cf1.hz).toBe(42.2);
    sel.emit(0); // a repeated level
    sel.emit(1);
    await settle();
    expect(cf1.hz).toBe(1735.5);
    expect(s.edgeCount).toBe(2);
    expect(s.worstFollowMs(0)).toBeGreaterThan(0);
    await s.stop();
    expect([cf.hz, cf1.hz, sel.watchers()]).toEqual([0, 0, 0]);
  });

  test('BL0937SEL_n: high = current', async () => {
    const sel = selLine(1);
    const cf1 = new FakePulse('cf1');
    const s = new Bl0937Synth(new FakePulse('cf'), cf1, sel.line, true);
    await s.setLoad(F);
    expect(cf1.hz).toBe(42.2);
    await s.stop();
  });

  test('waiting for edges is bounded and abortable', async () => {
    const sel = selLine(1);
    const s = new Bl0937Synth(new FakePulse('cf'), new FakePulse('cf1'), sel.line, false);
    await s.setLoad(F);
    expect(await s.waitForEdgeCount(1, 30)).toBe(false);
    setTimeout(() => sel.emit(0), 10);
    expect(await s.waitForEdgeCount(1, 1000)).toBe(true);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10);
    await expect(s.waitForEdgeCount(5, 5000, ac.signal)).rejects.toMatchObject({ code: 'E_ABORTED' });
    await s.stop();
  });
});
