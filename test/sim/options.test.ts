import { describe, test, expect } from '@jest/globals';
import { parseSimOptions } from '../../src/sim/index.js';

describe('parseSimOptions', () => {
  test('a full sim object', () => {
    expect(
      parseSimOptions(
        {
          timing: 'fast',
          downloadWindowMs: 20,
          chipId: '0x7231C',
          flashId: 'EB6015',
          initialSr: 16388,
          protection: 'cmp-bp0',
          mac: 'c8:47:8c:01:02:03',
          faults: ['drop:0.01', 'brownout:2'],
          seed: 3,
        },
        'sim',
      ),
    ).toEqual({
      timing: 'fast',
      downloadWindowMs: 20,
      chipId: 0x7231c,
      flashId: [0xeb, 0x60, 0x15],
      initialSr: 0x4004,
      protection: 'cmp-bp0',
      mac: 'C8478C010203',
      faults: { dropRate: 0.01, brownoutOnErase: 2 },
      seed: 3,
    });
  });

  test('timing object lays fields over the realistic model', () => {
    expect(parseSimOptions({ timing: { sectorEraseMs: 80, wire: false } }, 'sim').timing).toEqual({ sectorEraseMs: 80, wire: false });
  });

  test.each([
    [{ timing: 'slow' }, 'sim.timing: expected "fast" or "realistic"'],
    [{ timing: { eraseMs: 3 } }, 'sim.timing.eraseMs: unknown timing field'],
    [{ downloadWindowMs: -1 }, 'sim.downloadWindowMs: expected an integer'],
    [{ flashId: 'EB60' }, 'sim.flashId: expected 3 JEDEC bytes'],
    [{ mac: 'xyz' }, 'sim.mac: expected 12 hex digits'],
    [{ faults: ['drop', 7] }, 'sim.faults[1]: expected a string'],
    [{ faults: ['melt'] }, "sim.faults[0]: bad fault 'melt'"],
    [{ colour: 'red' }, 'sim.colour: unknown field'],
    ['fast', 'sim: expected an object'],
  ])('%j → %s', (json, message) => {
    expect(() => parseSimOptions(json, 'sim')).toThrow(message);
  });

  test("the JSON path prefix is the caller's", () => {
    expect(() => parseSimOptions({ seed: 'x' }, 'rigs[2].sim')).toThrow('rigs[2].sim.seed:');
  });
  test("firmwareFaults: the simulated OpenBeken's switches, checked by name", () => {
    expect(parseSimOptions({ firmwareFaults: ['relay-stuck', 'cal-off:-3'] }, 'sim').firmwareFaults).toEqual(['relay-stuck', 'cal-off:-3']);
    expect(() => parseSimOptions({ firmwareFaults: ['relay-stuk'] }, 'sim')).toThrow(/sim\.firmwareFaults: .*relay-stuk.*unknown fault name/);
    expect(() => parseSimOptions({ firmwareFaults: 'relay-stuck' }, 'sim')).toThrow('sim.firmwareFaults: expected a list of fault names');
  });
});
