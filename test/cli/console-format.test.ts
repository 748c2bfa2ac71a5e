/**
 * Issue 11 item 4: `run` and `test` print through the one ConsoleSink; the unit line prints once per
 * run however many phases identify the unit; the last line of a failed run names the phase and the
 * measurement that failed (and an error's hint).
 */
import { describe, expect, test } from '@jest/globals';
import { PassThrough } from 'node:stream';
import type { RunEvent } from '../../src/core/run-types.js';
import { ConsoleSink } from '../../src/report/console.js';

function lines(events: RunEvent[]): string[] {
  const out = Object.assign(new PassThrough(), { isTTY: false });
  let text = '';
  out.on('data', (d) => (text += d));
  const sink = new ConsoleSink(out);
  for (const e of events) sink.handle(e);
  return text.trimEnd().split('\n');
}

const base = { runId: 'r1', slot: 'sim', t: 0 };
let seq = 0;
const ev = (body: Record<string, unknown>): RunEvent => ({ ...base, seq: ++seq, ...body }) as unknown as RunEvent;

describe('console format', () => {
  test('the unit line prints once; the last line names the failed phase and measurement', () => {
    const out = lines([
      ev({ type: 'run.started', rig: 'sim', plan: ['link', 'boot', 'relay'], unit: {} }),
      ev({ type: 'unit.identified', unit: { mac: 'C8478C010203', chipId: '0x7231C' } }),
      ev({ type: 'unit.identified', unit: { mac: 'C8478C010203', chipId: '0x7231C' } }),
      ev({ type: 'phase.started', phase: 'relay', attempt: 1 }),
      ev({
        type: 'measurement',
        phase: 'relay',
        measurement: { name: 'relay_on', value: 0, limits: { equals: 1 }, verdict: 'FAIL' },
      }),
      ev({ type: 'phase.finished', phase: 'relay', outcome: 'FAIL', durationMs: 1200, attempts: 1 }),
      ev({ type: 'run.finished', outcome: 'FAIL', durationMs: 5000 }),
    ]);
    expect(out.filter((l) => l.includes('unit C8:47:8C:01:02:03'))).toHaveLength(1);
    expect(out.filter((l) => l.includes('link → boot → relay'))).toHaveLength(1);
    expect(out.at(-1)).toBe('[sim] run FAIL in 5s — failed in relay: relay_on = 0 (expected 1): FAIL');
  });

  test('an ERROR run ends with the phase, the error and its hint', () => {
    const error = { code: 'E_LINK_NO_REPLY', message: 'no reply to link checks', hint: 'check TX/RX' };
    const out = lines([
      ev({ type: 'run.started', rig: 'sim', plan: ['link'], unit: {} }),
      ev({ type: 'phase.started', phase: 'link', attempt: 1 }),
      ev({ type: 'phase.finished', phase: 'link', outcome: 'ERROR', durationMs: 100, attempts: 1, error }),
      ev({ type: 'run.finished', outcome: 'ERROR', durationMs: 100, error }),
    ]);
    expect(out.at(-1)).toBe('[sim] run ERROR in 0s — failed in link: E_LINK_NO_REPLY: no reply to link checks — check TX/RX');
  });

  test('a stopped flash phase says the flash holds a partial image and how to finish it', () => {
    const out = lines([
      ev({ type: 'run.started', rig: 'sim', plan: ['flash', 'verify'], unit: {} }),
      ev({ type: 'phase.started', phase: 'flash', attempt: 1 }),
      ev({ type: 'phase.finished', phase: 'flash', outcome: 'ABORTED', durationMs: 3000, attempts: 1 }),
      ev({ type: 'run.finished', outcome: 'ABORTED', durationMs: 3000 }),
    ]);
    expect(out).toContain(
      "[sim] flash ABORTED 3s — the flash now holds a partial image: run again (the flash phase rewrites it) or 'plugrig flash <image> --diff'",
    );
    expect(out.at(-1)).toBe('[sim] run ABORTED in 3s — stopped before the end; run again to finish');
  });
});
