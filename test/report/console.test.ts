import { describe, expect, test } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { ConsoleSink, formatBar, formatDuration, formatRate, plainLines, slotLine } from '../../src/report/console.js';
import { runPlan } from '../../src/run/runner.js';
import { simulatedRunFactory } from '../../src/run/simulated-plan.js';

async function capture(tty: boolean, failCheck?: string): Promise<string> {
  const out = Object.assign(new PassThrough(), { isTTY: tty, columns: 100 });
  let text = '';
  out.on('data', (d) => (text += d));
  const sink = new ConsoleSink(out, { intervalMs: 5 });
  const slot = { slot: 'slot0', rig: 'sim' };
  const prepared = await simulatedRunFactory({ timeScale: 0.02, imageBytes: 256 * 1024, faults: () => ({ ...(failCheck ? { failCheck } : {}) }) })(
    slot,
    new AbortController().signal,
  );
  await runPlan({ slot: 'slot0', rig: 'sim', plan: prepared.plan, sinks: [sink], progressIntervalMs: 0 });
  await sink.close();
  return text;
}

describe('console', () => {
  test('formatting helpers', () => {
    expect(formatBar(0.5, 10)).toBe('█████░░░░░');
    expect(formatBar(2, 4)).toBe('████');
    expect(formatBar(Number.NaN, 4)).toBe('░░░░');
    expect(formatRate(150 * 1024)).toBe('150.0 KiB/s');
    expect(formatRate(3 * 1048576)).toBe('3.0 MiB/s');
    expect(formatDuration(75_000)).toBe('1:15');
    expect(formatDuration(4_400)).toBe('4s');
  });

  test('a running slot line shows bar, phase and step, percent, speed and ETA, and fits the width', () => {
    const line = slotLine(
      {
        slot: 'slot0',
        state: 'running',
        plan: ['a', 'flash', 'c', 'd'],
        phase: 'flash',
        phaseIndex: 2,
        mac: 'C8478C000001',
        progress: { fraction: 0.5, bytesPerSec: 51200, etaMs: 12_000 },
      },
      200,
    );
    expect(line).toBe('slot0    ████████░░░░░░░░░░░░ flash (2/4)  50% 50.0 KiB/s ETA 12s  C8:47:8C:00:00:01');
    expect(
      slotLine(
        {
          slot: 'slot0',
          state: 'done',
          outcome: 'FAIL',
          failure: { phase: 'relay', check: 'relay_on', detail: 'x'.repeat(300), words: 'Relay does not switch' },
        },
        60,
      ).length,
    ).toBe(60);
  });

  test('plain output (not a terminal): phases, a failure with its limits, progress in quarters, no escape codes', async () => {
    const text = await capture(false, 'bl0937');
    expect(text).not.toContain('\x1b[');
    expect(text).toMatch(/^\[slot0\] run \S+ on sim: power → link → identify → flash/m);
    expect(text).toMatch(/^\[slot0\] flash 25% [\d.]+ (KiB|MiB)\/s ETA \d+s$/m);
    expect(text).toMatch(/^\[slot0\] flash 100%/m);
    expect(text.match(/^\[slot0\] flash \d+%/gm)).toHaveLength(4);
    expect(text).toContain('[slot0] bl0937: power_w = 87.5 W (limits 95..105 W): FAIL');
    // The last line names the phase and the measurement that failed.
    expect(text).toMatch(/^\[slot0\] run FAIL in \d+s — failed in bl0937: power_w = 87\.5 W \(limits 95\.\.105 W\): FAIL$/m);
  });

  test('terminal output redraws a live line per slot in place and ends with the verdict', async () => {
    const text = await capture(true);
    expect(text).toMatch(new RegExp(`${'\x1b'}\\[\\d+F`)); // cursor moved back up to redraw
    expect(text).toMatch(/slot0 +[█░]{20} flash \(4\/9\) +\d+% [\d.]+ (KiB|MiB)\/s ETA/);
    const lastFrame = text.split('\x1b[2K').at(-1)!;
    expect(lastFrame).toMatch(/^slot0 +PASS/);
  });

  test('plainLines keeps quarters per run and phase', () => {
    const q = new Map<string, number>();
    const ev = (done: number) => ({ type: 'phase.progress' as const, runId: 'r', slot: 's', seq: 1, t: 0, phase: 'flash', progress: { done, total: 100 } });
    expect(plainLines(ev(10), q)).toEqual([]);
    expect(plainLines(ev(30), q)).toEqual(['[s] flash 25%']);
    expect(plainLines(ev(40), q)).toEqual([]);
    expect(plainLines(ev(100), q)).toEqual(['[s] flash 100%']);
  });

  test('firmware log lines are quiet by default and shown with --verbose', () => {
    const e = { type: 'firmware.log' as const, runId: 'r', slot: 's', seq: 2, t: 0, line: 'Info:MAIN:Time 3, idle 0/s', source: 'uart' as const, tMs: 3000 };
    expect(plainLines(e, new Map())).toEqual([]);
    expect(plainLines(e, new Map(), true)).toEqual(['[s] fw uart: Info:MAIN:Time 3, idle 0/s']);
  });
});
