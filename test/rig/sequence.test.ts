import { describe, test, expect } from '@jest/globals';
import { parseSequence, checkSequenceLines, MAX_WAIT_MS } from '../../src/rig/sequence-parse.js';
import { compileSequence } from '../../src/rig/sequence.js';
import { BootGuard } from '../../src/rig/boot-guard.js';
import type { Level, OutputLine } from '../../src/io/types.js';

function recorder(log: string[], name: string): OutputLine {
  let level: Level = 1;
  return {
    name,
    set: async (l) => void log.push(`${name}=${(level = l)}`),
    get: async () => level,
    release: async () => void log.push(`${name}=z`),
    close: async () => {},
  };
}

describe('sequence text', () => {
  test('parses sets, releases and waits in ms or s', () => {
    expect(parseSequence('power=0; wait 300ms; cen=0;power=1 ;wait 0.05s; cen=z;')).toEqual([
      { kind: 'set', line: 'power', level: 0, text: 'power=0', index: 1 },
      { kind: 'wait', ms: 300, text: 'wait 300ms', index: 2 },
      { kind: 'set', line: 'cen', level: 0, text: 'cen=0', index: 3 },
      { kind: 'set', line: 'power', level: 1, text: 'power=1', index: 4 },
      { kind: 'wait', ms: 50, text: 'wait 0.05s', index: 5 },
      { kind: 'set', line: 'cen', level: 'z', text: 'cen=z', index: 6 },
    ]);
  });

  const broken: [string, RegExp][] = [
    ['cen=0; wait 100; cen=1', /step 2 'wait 100': the wait has no unit/],
    ['cen=2', /step 1 'cen=2': bad level '2'/],
    ['cen=0; wait -5ms', /step 2 'wait -5ms': a wait cannot be negative/],
    [`cen=0; wait ${MAX_WAIT_MS + 1}ms`, /longer than the 10000 ms/],
    ['cen=0; wait 3 min', /unknown unit 'min'/],
    ['cen=0; pulse cen', /step 2 'pulse cen': not a step/],
    [' ; ', /is empty/],
  ];
  test.each(broken)('%s is refused naming the step', (text, msg) => {
    expect(() => parseSequence(text, 'x')).toThrow(msg);
  });

  test('unknown lines are refused with the known ones in the hint', () => {
    const steps = parseSequence('cen=0; relay=1');
    expect(() => checkSequenceLines(steps, ['power', 'cen'], 'x')).toThrow(
      expect.objectContaining({
        code: 'E_SEQUENCE',
        message: expect.stringContaining("step 2 'relay=1': unknown line 'relay'"),
        hint: 'known lines: power, cen',
      }),
    );
  });
});

describe('compiled sequences', () => {
  test('run drives the lines in order and waits between them', async () => {
    const log: string[] = [];
    const lines = new Map([
      ['power', recorder(log, 'power')],
      ['cen', recorder(log, 'cen')],
    ]);
    const seq = compileSequence('cen=0; power=0; wait 300ms; power=1; wait 20ms; cen=1', lines, {
      name: 'power-cycle',
      sleep: async (ms) => void log.push(`wait ${ms}`),
    });
    expect(seq.durationMs).toBe(320);
    await seq.run();
    expect(log).toEqual(['cen=0', 'power=0', 'wait 300', 'power=1', 'wait 20', 'cen=1']);
  });

  test('an abort during a wait stops the sequence with E_ABORTED', async () => {
    const log: string[] = [];
    const seq = compileSequence('cen=0; wait 5s; cen=1', { cen: recorder(log, 'cen') }, { name: 'cen-pulse' });
    const ac = new AbortController();
    const p = seq.run(ac.signal);
    setTimeout(() => ac.abort(), 10);
    const t0 = Date.now();
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(log).toEqual(['cen=0']);
  });

  test('compiling against lines that do not exist fails at once', () => {
    expect(() => compileSequence('power=0', { cen: recorder([], 'cen') })).toThrow(/unknown line 'power'/);
  });
});

describe('boot guard', () => {
  test('refuses a reset within 6 s of boot, allows it after, and forgets the boot once reset', () => {
    let now = 1000;
    const g = new BootGuard(6000, () => now);
    g.beforeReset('cen-pulse'); // nothing booted yet
    g.markBooted();
    now += 2500;
    expect(() => g.beforeReset('cen-pulse')).toThrow(
      expect.objectContaining({ code: 'E_RESET_TOO_SOON', hint: 'wait 3500 ms before resetting the module again' }),
    );
    now += 3500;
    g.beforeReset('cen-pulse');
    expect(g.remainingMs()).toBe(0);
  });
});
