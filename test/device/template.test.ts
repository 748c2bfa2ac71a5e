import { describe, test, expect } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { checkTemplateAgainstModule, formatPin, loadTemplateFile, parseTemplate } from '../../src/device/template.js';
import { loadModulePads, modulePadsForBoard, parseModulePads } from '../../src/device/module-pads.js';
import { roleByIndex, roleByName, suggestRole } from '../../src/device/roles.js';
import type { PlugrigError } from '../../src/core/errors.js';

const RMC021 = 'hardware/devices/rmc021.json';

function errorOf(fn: () => unknown): PlugrigError {
  try {
    fn();
  } catch (e) {
    return e as PlugrigError;
  }
  throw new Error('expected an error');
}

describe('role table', () => {
  test('indices match the numbers /api/pins reports (docs/openbeken-behaviour.md §1)', () => {
    const expected: Record<string, number> = {
      Rel: 1,
      Rel_n: 2,
      Btn: 3,
      Btn_n: 4,
      LED: 5,
      LED_n: 6,
      PWM: 7,
      WifiLED: 8,
      WifiLED_n: 9,
      BL0937SEL: 17,
      BL0937CF: 18,
      BL0937CF1: 19,
      BL0937SEL_n: 64,
    };
    for (const [name, idx] of Object.entries(expected)) {
      expect(roleByName(name)?.index).toBe(idx);
      expect(roleByIndex(idx)?.name).toBe(name);
    }
  });
  test('lookup is case-insensitive like the firmware; None is 0', () => {
    expect(roleByName('wifiled_n')?.name).toBe('WifiLED_n');
    expect(roleByName('None')?.index).toBe(0);
    expect(roleByName('Relay')).toBeUndefined();
  });
  test('polarity and kinds', () => {
    expect(roleByName('Rel_n')).toMatchObject({ kind: 'relay', inverted: true });
    expect(roleByName('WifiLED_n')).toMatchObject({ kind: 'wifiLed', inverted: true });
    expect(roleByName('BL0937SEL')).toMatchObject({ kind: 'bl0937Sel', inverted: false });
    expect(roleByName('DHT22')).toMatchObject({ kind: 'other' });
  });
  test('suggestions for common misspellings', () => {
    expect(suggestRole('Relay')).toBe('Rel');
    expect(suggestRole('Button')).toBe('Btn');
    expect(suggestRole('WifiLed_m')).toBe('WifiLED_n');
    expect(suggestRole('Completely_Unknown_Thing')).toBeUndefined();
  });
});

describe('parseTemplate', () => {
  test('the RMC021 template from the field parses with its roles, channels, flags and command', async () => {
    const t = await loadTemplateFile(RMC021);
    expect(t.pins.map((p) => `${p.gpio}=${formatPin(p)}`)).toEqual([
      '6=BL0937CF1;0',
      '7=BL0937CF;0',
      '8=WifiLED_n;0',
      '10=Btn;1',
      '24=BL0937SEL;0',
      '26=Rel;1',
    ]);
    expect(t.flags).toBe(1024n);
    expect(t.command).toBe('startDriver NTP');
    expect(t.board).toBe('CB2S');
  });

  test('an unknown role names the key and suggests the right name', () => {
    const e = errorOf(() => parseTemplate({ pins: { '27': 'Relay;1' } }, 't.json'));
    expect(e.code).toBe('E_TEMPLATE_INVALID');
    expect(e.message).toContain('pins."27": role "Relay" is not an OpenBeken role — did you mean "Rel"?');
  });

  test('bad keys, channels and shapes are each named; all problems are reported together', () => {
    const e = errorOf(() => parseTemplate({ pins: { abc: 'Rel;1', '6': 'Btn;x', '7': 5, '8': 'Rel;1;2;3' }, flags: 'lots' }));
    expect(e.message).toContain('pins."abc": the key must be a GPIO number');
    expect(e.message).toContain('pins."6": channel "x" is not a channel number');
    expect(e.message).toContain('pins."7": expected a string');
    expect(e.message).toContain('pins."8": "Rel;1;2;3" is not');
    expect(e.message).toContain('flags: "lots" is not a decimal number');
  });

  test('flags accept a number or a decimal string up to 64 bits', () => {
    expect(parseTemplate({ pins: {}, flags: 1024 }).flags).toBe(1024n);
    expect(parseTemplate({ pins: {}, flags: '18446744073709551615' }).flags).toBe(18446744073709551615n);
    expect(errorOf(() => parseTemplate({ pins: {}, flags: '18446744073709551616' })).message).toContain('does not fit in 64 bits');
    expect(parseTemplate({ pins: {} }).flags).toBeUndefined();
  });

  test('channel2, missing channel, case-insensitive role and None pins', () => {
    const t = parseTemplate({ pins: { '10': 'btn;1;2', '11': 'LED', '23': 'None;0' } });
    expect(t.pins).toHaveLength(2);
    expect(t.pins[0]).toMatchObject({ gpio: 10, channel: 1, channel2: 2, role: { name: 'Btn' } });
    expect(t.pins[1]).toMatchObject({ gpio: 11, channel: 0 });
  });

  test('two SEL pins are refused; a startup command with a quote is refused', () => {
    expect(errorOf(() => parseTemplate({ pins: { '24': 'BL0937SEL;0', '23': 'BL0937SEL_n;0' } })).message).toContain('only one is allowed');
    expect(errorOf(() => parseTemplate({ pins: {}, command: 'say "hi"' })).message).toContain('command:');
  });

  test('not an object, or invalid JSON in a file', async () => {
    expect(errorOf(() => parseTemplate([])).code).toBe('E_TEMPLATE_INVALID');
    await expect(loadTemplateFile('/nonexistent/x.json')).rejects.toMatchObject({ code: 'E_TEMPLATE_NOT_FOUND' });
  });
});

describe('module pads', () => {
  test('CB2S brings out P0 P1 P6 P7 P8 P10 P11 P21 P23 P24 P26', async () => {
    const pads = await modulePadsForBoard('CB2S');
    expect([...pads.gpios].sort((a, b) => a - b)).toEqual([0, 1, 6, 7, 8, 10, 11, 21, 23, 24, 26]);
    expect(pads.padOf(10)).toBe('5');
  });

  test('a template naming a GPIO the module lacks is refused with the pad list', async () => {
    const pads = await loadModulePads('hardware/modules/cb2s.json');
    const t = parseTemplate({ pins: { '27': 'Rel;1', '26': 'Rel;2' }, chip: 'BK7231N' }, 'x.json');
    const e = errorOf(() => checkTemplateAgainstModule(t, pads));
    expect(e.message).toContain('pins."27": P27 is not a pad of CB2S');
    expect(e.message).not.toContain('pins."26"');
    const rmc = await loadTemplateFile(RMC021);
    expect(() => checkTemplateAgainstModule(rmc, pads)).not.toThrow();
  });

  test('a chip mismatch is refused; a malformed pad map is named', async () => {
    const pads = parseModulePads(JSON.parse(await readFile('hardware/modules/cb2s.json', 'utf8')));
    expect(errorOf(() => checkTemplateAgainstModule(parseTemplate({ pins: {}, chip: 'BK7231T' }), pads)).message).toContain('chip');
    expect(errorOf(() => parseModulePads({ module: 'X', pads: [{ pad: 1 }] })).code).toBe('E_MODULE_INVALID');
    await expect(modulePadsForBoard('../etc')).rejects.toMatchObject({ code: 'E_MODULE_NOT_FOUND' });
  });
});
