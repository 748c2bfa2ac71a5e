import { describe, test, expect } from '@jest/globals';
import { diagnoseLink } from '../../src/bk7231/link.js';
import type { ResetSequence } from '../../src/rig/types.js';

const reset = (name: string): ResetSequence => ({ name, text: '', durationMs: 100, run: async () => undefined });
const resets = [reset('cen-pulse'), reset('power-cycle')];

describe('link failure diagnosis', () => {
  test('silence: no reply at all, names the cycles and the wiring checks', () => {
    const e = diagnoseLink({ bytes: 0, garbage: 0, frames: 0, text: '' }, 6, resets, false);
    expect(e.code).toBe('E_LINK_NO_REPLY');
    expect(e.message).toMatch(/6 reset cycle\(s\) \(cen-pulse, power-cycle\)/);
    expect(e.hint).toMatch(/TX\/RX/);
  });

  test('bare port silence asks for a manual reset', () => {
    const e = diagnoseLink({ bytes: 0, garbage: 0, frames: 0, text: '' }, 1, [], true);
    expect(e.code).toBe('E_LINK_NO_REPLY');
    expect(e.hint).toMatch(/reset the chip/);
  });

  test('text instead of frames: the firmware booted (reset missed the window)', () => {
    const e = diagnoseLink({ bytes: 60, garbage: 60, frames: 0, text: 'V:BK7231N_1.0.1\r\nJ 0x10000\r\nInfo:MAIN:Time 1' }, 3, resets, false);
    expect(e.code).toBe('E_LINK_GARBAGE');
    expect(e.message).toMatch(/text/);
    expect(e.hint).toMatch(/firmware booted/);
  });

  test('binary garbage: wrong speed or noise', () => {
    const text = Buffer.from([0xf3, 0x8e, 0x00, 0xfe, 0x7a, 0x80, 0xc1, 0x99, 0x00, 0xe0]).toString('latin1');
    const e = diagnoseLink({ bytes: 10, garbage: 10, frames: 0, text }, 2, resets, false);
    expect(e.code).toBe('E_LINK_GARBAGE');
    expect(e.hint).toMatch(/wrong speed/);
  });
});
