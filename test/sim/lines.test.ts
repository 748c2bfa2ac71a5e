import { describe, test, expect } from '@jest/globals';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { PadNet } from '../../src/sim/net.js';
import { simInputLine, simOutputLine, simPulseOutput } from '../../src/sim/lines.js';
import type { Edge } from '../../src/io/types.js';

/** A pulled-up LED input watched with a 15 ms debounce, on a hand-stepped clock at 0. */
function debouncedLed() {
  const clock = new VirtualClock({ startMs: 0, autoAdvance: false });
  const p8 = new PadNet('P8', 'up', clock);
  const led = simInputLine('led', p8);
  const edges: Edge[] = [];
  led.watch((e) => edges.push(e), 15);
  return { clock, p8, led, edges };
}

describe('simulated lines over pad nets', () => {
  test('push-pull output drives both levels; release hands the net back to its pull', async () => {
    const power = new PadNet('power', 'down');
    const line = simOutputLine('power', power);
    await line.set(1);
    expect([power.level(), power.hostDrive()]).toEqual([1, 1]);
    await line.set(0);
    expect(power.hostDrive()).toBe(0);
    await line.set(1);
    await line.release();
    expect([power.level(), power.hostDrive()]).toEqual([0, 'z']);
  });

  test('open-drain output: 0 pulls low, 1 lets go, so the module can still pull the net low', async () => {
    const p10 = new PadNet('P10', 'up');
    const button = simOutputLine('button', p10, 'open-drain');
    await button.set(0);
    expect(p10.level()).toBe(0);
    await button.set(1);
    expect(p10.hostDrive()).toBe('z');
    p10.setModuleDrive(0);
    expect(await button.get()).toBe(0);
  });

  test('input watch reports module-driven edges stamped with the clock, and stops on unsubscribe', async () => {
    const clock = new VirtualClock({ startMs: 2000, autoAdvance: false });
    const p26 = new PadNet('P26', 'none', clock);
    p26.setModuleDrive(0);
    const relay = simInputLine('relay', p26);
    const edges: Edge[] = [];
    const stop = relay.watch((e) => edges.push(e));
    p26.setModuleDrive(1);
    clock.advance(2.5);
    p26.setModuleDrive(0);
    expect(edges).toEqual([
      { level: 1, tNs: 2_000_000_000n },
      { level: 0, tNs: 2_002_500_000n },
    ]);
    stop();
    p26.setModuleDrive(1);
    expect(edges).toHaveLength(2);
    expect(await relay.read()).toBe(1);
  });

  test('input debounce holds back an edge until the level settled, stamped when it last changed', async () => {
    const { clock, p8, edges } = debouncedLed();
    p8.setModuleDrive(0);
    clock.advance(5);
    p8.setModuleDrive('z'); // bounced back within 15 ms: not reported
    clock.advance(5);
    p8.setModuleDrive(0);
    clock.advance(14);
    expect(edges).toHaveLength(0);
    clock.advance(1);
    expect(edges).toEqual([{ level: 0, tNs: 10_000_000n }]);
    p8.setModuleDrive('z');
    clock.advance(3);
    p8.setModuleDrive(0); // back to the reported level before settling: nothing
    clock.advance(30);
    expect(edges).toHaveLength(1);
  });

  test('a closed input line cancels its pending debounce', async () => {
    const { clock, p8, led, edges } = debouncedLed();
    p8.setModuleDrive(0);
    await led.close();
    clock.advance(30);
    expect(edges).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });

  test('pulse output puts a train on the net the module can count, changes on the fly, stops', async () => {
    const clock = new VirtualClock({ startMs: 0, autoAdvance: false });
    const p7 = new PadNet('P7', 'up', clock);
    const cf = simPulseOutput('cf', p7);
    await cf.set(1000, 0.5);
    clock.advance(100);
    expect(p7.fallingEdgesBetween(0, 100)).toBe(100);
    await cf.set(250);
    clock.advance(100);
    expect(p7.fallingEdgesBetween(100, 200)).toBe(25);
    await cf.stop();
    expect(p7.hostPulse()).toBeNull();
    await expect(cf.set(-1)).rejects.toMatchObject({ code: 'E_PWM_RANGE' });
    expect(cf.resolutionHz(1000)).toBe(0);
  });

  test('a pulse output with a modelled PWM clock quantises like the hardware', async () => {
    const p6 = new PadNet('P6', 'up');
    const cf1 = simPulseOutput('cf1', p6, { clockHz: 10_000_000 });
    await cf1.set(1234.5);
    const hz = p6.hostPulse()!.hz;
    expect(hz).not.toBe(1234.5);
    expect(hz).toBeCloseTo(1234.5, 0);
    expect(Math.round(1e9 / hz) % 100).toBe(0);
    expect(cf1.resolutionHz(1000)).toBeCloseTo(0.1, 2);
  });

  test('closed lines release their net and refuse use', async () => {
    const cen = new PadNet('cen', 'up');
    const line = simOutputLine('cen', cen, 'open-drain');
    await line.set(0);
    await line.close();
    expect(cen.level()).toBe(1);
    await expect(line.set(0)).rejects.toMatchObject({ code: 'E_LINE_CLOSED' });
  });
});
