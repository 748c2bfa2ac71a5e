import { describe, expect, test } from '@jest/globals';
import { formatLimits, formatValue, measuredAgainstLimits, plainWords, roundSensibly } from '../../src/report/plain-words.js';
import { reduceSlotView, idleView, viewFromRecord } from '../../src/report/slot-view.js';
import { measurement } from '../../src/core/measurement.js';
import type { RunEvent, RunEventBody } from '../../src/core/run-types.js';
import { recordsTable } from '../../src/cli/commands/records.js';
import type { RunRecord } from '../../src/core/record.js';
import { matchRecord } from '../../src/report/store/query.js';
import { openSqliteStore } from '../../src/report/store/sqlite-store.js';
import { join } from 'node:path';
import { inTmpDir } from './fixtures/stores.js';
import { cli } from '../cli/run-cli.js';

describe('plain words', () => {
  test('the error code wins, then the measurement, then the phase', () => {
    expect(plainWords({ phase: 'link', code: 'E_LINK_NO_REPLY' })).toBe('No answer from the module: check it is seated');
    expect(plainWords({ phase: 'flash', code: 'E_LINK_NO_REPLY' })).toBe('No answer from the module: check it is seated');
    expect(plainWords({ phase: 'relay', check: 'relay_follows_button' })).toBe('Relay does not switch');
    expect(plainWords({ phase: 'relay-button', check: 'power_on_latency' })).toBe('Relay does not switch');
    expect(plainWords({ phase: 'bl0937', check: 'power_error@100W' })).toBe('Power meter reads wrong: calibrate it');
    expect(plainWords({ phase: 'link', code: 'E_SOMETHING_NEW' })).toBe('No answer from the module: check it is seated');
    expect(plainWords({ phase: 'mystery' })).toBe('mystery failed');
    expect(plainWords({ code: 'E_X' })).toBe('Stopped with E_X');
  });

  test('numbers to sensible digits, never a float artefact', () => {
    expect(roundSensibly(87.4999999)).toBe('87.5');
    expect(roundSensibly(0.1 + 0.2)).toBe('0.3');
    expect(roundSensibly(3.3149)).toBe('3.31');
    expect(roundSensibly(1234.567)).toBe('1235');
    expect(roundSensibly(0.0012345)).toBe('0.00123');
    expect(roundSensibly(42)).toBe('42');
  });

  test('value against limits', () => {
    const m = measurement({ name: 'power_w', value: 87.50000001, unit: 'W', limits: { low: 95, high: 105 } });
    expect(formatValue(m)).toBe('87.5 W');
    expect(formatLimits(m)).toBe('limits 95–105 W');
    expect(measuredAgainstLimits(m)).toBe('power_w = 87.5 W (limits 95–105 W)');
    const b = measurement({ name: 'relay_follows_button', value: false, limits: { equals: true } });
    expect(measuredAgainstLimits(b)).toBe('relay_follows_button = no (expected yes)');
    expect(formatValue({ value: null })).toBe('nothing');
    expect(formatLimits({ limits: { low: 1 }, unit: 'B' })).toBe('limit ≥ 1 B');
    expect(formatLimits({ limits: { low: -0.8225, high: 0.8225 }, unit: 'V' })).toBe('limits ±0.823 V');
    expect(formatLimits({ limits: { low: -5, high: -1 } })).toBe('limits -5 to -1');
  });
});

const ev = (seq: number, body: RunEventBody): RunEvent => ({ ...body, runId: 'r1', slot: 's0', seq, t: 1000 + seq }) as RunEvent;

describe('slot view failure', () => {
  test('a failed measurement: plain words, value, limits, note, and the phase error hint', () => {
    let v = idleView('s0');
    v = reduceSlotView(v, ev(1, { type: 'run.started', rig: 'r', plan: ['relay'], unit: {} }));
    v = reduceSlotView(v, ev(2, { type: 'phase.started', phase: 'relay', attempt: 1 }));
    v = reduceSlotView(
      v,
      ev(3, {
        type: 'measurement',
        phase: 'relay',
        measurement: measurement({ name: 'relay_follows_button', value: false, limits: { equals: true }, note: 'no click heard' }),
      }),
    );
    v = reduceSlotView(
      v,
      ev(4, {
        type: 'phase.finished',
        phase: 'relay',
        outcome: 'FAIL',
        durationMs: 5,
        attempts: 1,
        error: { code: 'E_PHASE_FAILED', message: 'x', hint: 'check the relay pad' },
      }),
    );
    v = reduceSlotView(v, ev(5, { type: 'run.finished', outcome: 'FAIL', durationMs: 9 }));
    expect(v.failure).toMatchObject({
      words: 'Relay does not switch',
      value: 'no',
      limits: 'expected yes',
      note: 'no click heard',
      hint: 'check the relay pad',
    });
  });

  test('an error: plain words by code and the error hint; ERROR stays ERROR', () => {
    let v = idleView('s0');
    v = reduceSlotView(v, ev(1, { type: 'run.started', rig: 'r', plan: ['link'], unit: {} }));
    v = reduceSlotView(v, ev(2, { type: 'phase.started', phase: 'link', attempt: 1 }));
    const error = { code: 'E_LINK_NO_REPLY', message: 'no reply to LinkCheck', hint: 'seat the module and press Start' };
    v = reduceSlotView(v, ev(3, { type: 'phase.finished', phase: 'link', outcome: 'ERROR', durationMs: 5, attempts: 1, error }));
    v = reduceSlotView(v, ev(4, { type: 'run.finished', outcome: 'ERROR', durationMs: 9, error }));
    expect(v.outcome).toBe('ERROR');
    expect(v.failure).toMatchObject({
      words: 'No answer from the module: check it is seated',
      code: 'E_LINK_NO_REPLY',
      hint: 'seat the module and press Start',
    });
  });
});

describe('records', () => {
  const rec = (over: Partial<RunRecord>): RunRecord =>
    ({ runId: 'r', slot: 's0', rig: 'r', plan: [], startedAt: 0, status: 'finished', unit: {}, phases: [], ...over }) as RunRecord;
  test('"why" names the measurement and its value; ERROR is ERROR', () => {
    const m = measurement({ name: 'power_w', value: 87.5, unit: 'W', limits: { low: 95, high: 105 } });
    const failed = rec({ outcome: 'FAIL', phases: [{ name: 'bl0937', outcome: 'FAIL', measurements: [m] }] as RunRecord['phases'] });
    const errored = rec({
      outcome: 'ERROR',
      phases: [{ name: 'link', outcome: 'ERROR', measurements: [], error: { code: 'E_LINK_NO_REPLY', message: 'x' } }] as unknown as RunRecord['phases'],
    });
    const [, a, b] = recordsTable([failed, errored]);
    expect(a).toContain('bl0937: power_w = 87.5 W (limits 95–105 W)');
    expect(b).toMatch(/ERROR .*link: E_LINK_NO_REPLY/);
    expect([failed, errored, rec({ outcome: 'PASS' })].filter((r) => matchRecord(r, { outcome: 'FAILED' }))).toEqual([failed, errored]);
    // a run cut off mid-way is UNFINISHED on the page as in records, not a made-up ERROR
    const cut = rec({ status: 'unfinished' });
    expect(recordsTable([cut])[1]).toContain('UNFINISHED');
    expect(viewFromRecord(cut)).toMatchObject({ outcome: 'UNFINISHED', failure: { code: 'E_RUN_UNFINISHED', hint: 'test this unit again' } });
    expect(viewFromRecord(errored)).toMatchObject({ outcome: 'ERROR', failure: { words: 'No answer from the module: check it is seated' } });
  });
});

test('records --outcome FAILED (FAIL or ERROR) on the SQLite store; the table says ERROR and why with the value', async () => {
  await inTmpDir(async (dir) => {
    const store = await openSqliteStore(join(dir, 'records.sqlite'));
    const run = async (runId: string, slot: string, outcome: 'PASS' | 'FAIL' | 'ERROR', body: RunEventBody[]) => {
      let seq = 0;
      const e = (b: RunEventBody) => ({ ...b, runId, slot, seq: ++seq, t: Date.now() }) as RunEvent;
      await store.append(e({ type: 'run.started', rig: 'r', plan: ['p'], unit: {} }));
      for (const b of body) await store.append(e(b));
      await store.append(e({ type: 'run.finished', outcome, durationMs: 10 }));
    };
    const phase = (outcome: 'PASS' | 'FAIL' | 'ERROR', extra: object = {}): RunEventBody[] => [
      { type: 'phase.started', phase: 'bl0937', attempt: 1 },
      {
        type: 'measurement',
        phase: 'bl0937',
        measurement: measurement({ name: 'power_w', value: outcome === 'PASS' ? 100 : 87.5, unit: 'W', limits: { low: 95, high: 105 } }),
      },
      { type: 'phase.finished', phase: 'bl0937', outcome, durationMs: 5, attempts: 1, ...extra },
    ];
    await run('r-pass', 's0', 'PASS', phase('PASS'));
    await run('r-fail', 's1', 'FAIL', phase('FAIL'));
    await run('r-err', 's2', 'ERROR', [
      { type: 'phase.started', phase: 'link', attempt: 1 },
      { type: 'phase.finished', phase: 'link', outcome: 'ERROR', durationMs: 5, attempts: 1, error: { code: 'E_LINK_NO_REPLY', message: 'no reply' } },
    ]);
    expect((await store.records({ outcome: 'FAILED' })).map((r) => r.slot).sort()).toEqual(['s1', 's2']);
    await store.close();
    const r = await cli(['records', '--store', dir, '--outcome', 'failed']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(r.out).toMatch(/s1 .* FAIL .*bl0937: power_w = 87\.5 W \(limits 95–105 W\)/);
    expect(r.out).toMatch(/s2 .* ERROR .*link: E_LINK_NO_REPLY/);
  });
}, 30_000);
