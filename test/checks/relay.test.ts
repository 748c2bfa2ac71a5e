import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import { relayPhase } from '../../src/checks/relay.js';
import { ObkClient } from '../../src/device/obk-client.js';
import { parseTemplate } from '../../src/device/template.js';
import { FakeObk } from '../device/fake-obk.js';
import { fakeContext, inputLine, rigResources, Wire } from './fakes.js';

let fake: FakeObk;
let wire: Wire;
beforeEach(async () => {
  fake = await new FakeObk().start();
  wire = new Wire('P26');
});
afterEach(async () => {
  await fake.close();
});

/** The plug's relay pad follows POWER (unless stuck); `inverted` for Rel_n. */
function follow(inverted: boolean, stuck = false) {
  const drive = () => wire.setPeer(fake.state.relay !== inverted ? 'z' : 0);
  drive();
  fake.onCommand = (c) => {
    if (/^POWER\d* (ON|OFF)$/i.test(c) && !stuck) setTimeout(drive, 5);
    return undefined;
  };
}

async function run(role: string) {
  const pin = parseTemplate({ pins: { '26': `${role};1` } }).pins[0]!;
  const client = new ObkClient({ url: fake.url, timeoutMs: 1000 });
  const ctx = fakeContext(undefined, 'relay', undefined, rigResources({ client, fixture: [[26, { kind: 'input', pad: 26, line: inputLine(wire) }]] }));
  await relayPhase({ pin }).run(ctx);
  return ctx;
}

describe('relay phase (POWER over HTTP moves the pad)', () => {
  test('Rel: on and off, then left as found', async () => {
    follow(false);
    const ctx = await run('Rel');
    expect(ctx.failed()).toEqual([]);
    expect(ctx.get('power_on_latency')!.value as number).toBeLessThan(100);
    expect(ctx.get('power_off_latency')!.verdict).toBe('PASS');
    expect(fake.state.relay).toBe(false);
    expect(fake.commands).toEqual(['POWER', 'POWER ON', 'POWER OFF']);
  });

  test('Rel_n starting ON: off first (pad high), then back on', async () => {
    fake.state.relay = true;
    follow(true);
    const ctx = await run('Rel_n');
    expect(ctx.failed()).toEqual([]);
    expect(fake.commands).toEqual(['POWER', 'POWER OFF', 'POWER ON']);
    expect(wire.level()).toBe(0);
  });

  test('a stuck relay fails with the reason and POWER is restored', async () => {
    follow(false, true);
    const ctx = await run('Rel');
    const m = ctx.get('power_on_latency')!;
    expect(m).toMatchObject({ value: null, verdict: 'FAIL' });
    expect(m.note).toContain('relay output stuck or not driven');
    expect(fake.state.relay).toBe(false);
    expect(fake.commands.at(-1)).toBe('POWER OFF');
  });
});
