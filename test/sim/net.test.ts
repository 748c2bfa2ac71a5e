import { describe, expect, test } from '@jest/globals';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { PadNet } from '../../src/sim/net.js';

const stepped = (startMs: number) => new VirtualClock({ startMs, autoAdvance: false });

describe('PadNet', () => {
  test('low wins, then high, then the pull', () => {
    const net = new PadNet('P10', 'up', stepped(0));
    expect(net.level()).toBe(1);
    net.setModuleDrive(1);
    net.setHostDrive(0);
    expect(net.level()).toBe(0);
    net.setHostDrive('z');
    net.setModuleDrive('z');
    net.setPull('down');
    expect(net.level()).toBe(0);
  });
  test('listeners see each change once with its time', () => {
    const clock = stepped(10);
    const net = new PadNet('P26', 'down', clock);
    const seen: Array<[number, number]> = [];
    net.onChange((l, at) => seen.push([l, at]));
    net.setModuleDrive(1);
    net.setModuleDrive(1);
    clock.advance(10);
    net.setModuleDrive(0);
    expect(seen).toEqual([
      [1, 10],
      [0, 20],
    ]);
  });
  test('falling edges of a pulse train are counted per window', () => {
    const net = new PadNet('P7', 'up', stepped(1000));
    net.setHostPulse({ hz: 76.67, duty: 0.5 });
    // 76.67 Hz over one second: 76 or 77 edges depending on phase, never more
    const n = net.fallingEdgesBetween(1000, 2000);
    expect(n).toBeGreaterThanOrEqual(76);
    expect(n).toBeLessThanOrEqual(77);
    expect(net.fallingEdgesBetween(1000, 1000 + 0.5 * (1000 / 76.67) - 0.001)).toBe(0);
    net.setModuleDrive(0); // a pad held low by the module sees no edges
    expect(net.fallingEdgesBetween(1000, 2000)).toBe(0);
  });
});
