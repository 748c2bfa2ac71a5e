import { describe, test, expect } from '@jest/globals';
import { buildCheckPhases } from '../../src/checks/plan.js';
import { loadTemplateFile, parseTemplate } from '../../src/device/template.js';
import type { FixtureLine } from '../../src/rig/types.js';
import { FakePulse, SkipSignal, fakeContext, inputLine, outputLine, Wire } from './fakes.js';

function fullFixture(): Map<number, FixtureLine> {
  return new Map<number, FixtureLine>([
    [6, { kind: 'pulse', pad: 6, line: new FakePulse('P6') }],
    [7, { kind: 'pulse', pad: 7, line: new FakePulse('P7') }],
    [8, { kind: 'input', pad: 8, line: inputLine(new Wire('P8')) }],
    [10, { kind: 'output', pad: 10, line: outputLine(new Wire('P10')) }],
    [24, { kind: 'input', pad: 24, line: inputLine(new Wire('P24')) }],
    [26, { kind: 'input', pad: 26, line: inputLine(new Wire('P26')) }],
  ]);
}

async function skipReason(p: { run: (ctx: ReturnType<typeof fakeContext>) => Promise<void> }): Promise<string | undefined> {
  try {
    await p.run(fakeContext());
  } catch (e) {
    if (e instanceof SkipSignal) return e.reason;
    throw e;
  }
  return undefined;
}

describe('buildCheckPhases', () => {
  test('RMC021 on a fully wired rig: identity, Wi-Fi LED, relay/button, BL0937', async () => {
    const template = await loadTemplateFile('hardware/devices/rmc021.json');
    const phases = buildCheckPhases({ rig: { name: 'sim', fixture: fullFixture() }, template });
    expect(phases.map((p) => p.name)).toEqual(['identity', 'wifi-led', 'relay', 'relay-button', 'bl0937']);
    for (const p of phases) expect(p.timeoutMs).toBeGreaterThan(1000);
  });

  test('configure first and calibrate instead of the default-constant check, when asked', async () => {
    const template = await loadTemplateFile('hardware/devices/rmc021.json');
    const phases = buildCheckPhases({ rig: { name: 'sim', fixture: fullFixture() }, template, options: { configure: true, calibrate: true } });
    expect(phases.map((p) => p.name)).toEqual(['configure', 'identity', 'wifi-led', 'relay', 'relay-button', 'calibrate']);
    expect(phases.find((p) => p.name === 'calibrate')!.retries ?? 0).toBe(0);
  });

  test('a pad without a fixture line skips its check with the reason', async () => {
    const template = await loadTemplateFile('hardware/devices/rmc021.json');
    const fixture = fullFixture();
    fixture.delete(7);
    fixture.delete(26);
    const phases = buildCheckPhases({ rig: { name: 'bench-2', fixture }, template });
    expect(phases.map((p) => p.name)).toEqual(['identity', 'wifi-led', 'relay', 'relay-button', 'bl0937']);
    expect(await skipReason(phases[4]!)).toBe('P7 (BL0937 CF, BL0937CF) is not wired on rig bench-2');
    expect(await skipReason(phases[2]!)).toBe('P26 (relay, Rel) is not wired on rig bench-2');
    expect(await skipReason(phases[3]!)).toBe('P26 (relay, Rel) is not wired on rig bench-2');
  });

  test('a line of the wrong kind is a skip, not a crash', async () => {
    const template = await loadTemplateFile('hardware/devices/rmc021.json');
    const fixture = fullFixture();
    fixture.set(8, { kind: 'output', pad: 8, line: outputLine(new Wire('P8')) });
    const phases = buildCheckPhases({ rig: { name: 'r', fixture }, template });
    expect(await skipReason(phases.find((p) => p.name === 'wifi-led')!)).toBe('P8 (Wi-Fi LED) is wired as an output, the check needs an input');
  });

  test('derived from the roles: a button with no relay on its channel, half a BL0937, no LED', async () => {
    const template = parseTemplate({ pins: { '10': 'Btn;2', '26': 'Rel;1', '7': 'BL0937CF;0', '6': 'BL0937CF1;0' } });
    const phases = buildCheckPhases({ rig: { name: 'r', fixture: fullFixture() }, template });
    expect(phases.map((p) => p.name)).toEqual(['identity', 'relay', 'relay-button', 'bl0937']);
    expect(await skipReason(phases[2]!)).toBe('button P10 toggles channel 2, which no relay in the template follows');
    expect(await skipReason(phases[3]!)).toBe('the template has no BL0937SEL pin, so OpenBeken never starts the BL0937 driver');
  });

  test('inverted roles (Rel_n relay, BL0937SEL_n) yield the same checks', () => {
    const template = parseTemplate({ pins: { '10': 'Btn;1', '26': 'Rel_n;1', '7': 'BL0937CF;0', '6': 'BL0937CF1;0', '24': 'BL0937SEL_n;0' } });
    const phases = buildCheckPhases({ rig: { name: 'r', fixture: fullFixture() }, template });
    expect(phases.map((p) => p.name)).toEqual(['identity', 'relay', 'relay-button', 'bl0937']);
  });
});
