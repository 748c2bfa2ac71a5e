/** Firmware log lines in the record: kept per phase, bounded, counted outside phases. */
import { describe, expect, test } from '@jest/globals';
import { foldEvents, PHASE_LOG_LINES } from '../../src/core/record.js';
import type { RunEvent, RunEventBody } from '../../src/core/run-types.js';

function events(bodies: RunEventBody[]): RunEvent[] {
  return bodies.map((b, i) => ({ ...b, runId: 'r', slot: 's', seq: i + 1, t: i }) as RunEvent);
}

describe('firmware.log events in the record', () => {
  test('lines land in the phase they were printed in, the oldest dropped past the bound', () => {
    const n = PHASE_LOG_LINES + 5;
    const rec = foldEvents(
      events([
        { type: 'run.started', rig: 'sim', plan: ['a', 'b'], unit: {} },
        { type: 'firmware.log', line: 'Info:MAIN:Main_Init_Before_Delay', source: 'uart', tMs: 1 },
        { type: 'phase.started', phase: 'a', attempt: 1 },
        ...Array.from(
          { length: n },
          (_, i): RunEventBody => ({ type: 'firmware.log', line: `Info:MAIN:Time ${i + 1}`, source: 'uart', tMs: 1000 * (i + 1), phase: 'a' }),
        ),
        { type: 'phase.finished', phase: 'a', outcome: 'PASS', durationMs: 1, attempts: 1 },
        { type: 'firmware.log', line: 'Info:MAIN:Rebooting...', source: 'net', tMs: 9, phase: 'b' },
      ]),
    );
    const a = rec.phases.find((p) => p.name === 'a')!;
    expect(a.firmwareLog).toHaveLength(PHASE_LOG_LINES);
    expect(a.firmwareLogDropped).toBe(5);
    expect(a.firmwareLog![0]).toEqual({ tMs: 6000, line: 'Info:MAIN:Time 6' });
    expect(rec.phases.find((p) => p.name === 'b')!.firmwareLog).toEqual([{ tMs: 9, line: 'Info:MAIN:Rebooting...' }]);
    expect(rec.firmwareLogOutside).toBe(1);
  });
});
