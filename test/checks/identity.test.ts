import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { identityPhase } from '../../src/checks/identity.js';
import { configurePhase } from '../../src/checks/configure.js';
import { ObkClient } from '../../src/device/obk-client.js';
import { loadTemplateFile, parseTemplate } from '../../src/device/template.js';
import { FakeObk } from '../device/fake-obk.js';
import { fakeContext, rigResources } from './fakes.js';

let fake: FakeObk;
beforeAll(async () => {
  fake = await new FakeObk().start();
});
afterAll(async () => {
  await fake.close();
});
const client = () => new ObkClient({ url: fake.url, timeoutMs: 500, retries: 1, retryDelayMs: 20 });

describe('identity phase', () => {
  test('records MAC, build and flags, and tells the run who the unit is', async () => {
    fake.configureRmc021();
    const ctx = fakeContext(undefined, 'test', undefined, rigResources({ client: client(), fixture: [] }));
    await identityPhase({ template: await loadTemplateFile('hardware/devices/rmc021.json') }).run(ctx);
    expect(ctx.unit).toMatchObject({ mac: 'C8:47:8C:0A:0B:0C' });
    expect(ctx.unit.build).toContain('1.17.999');
    expect(ctx.get('flags')).toMatchObject({ value: '1024', verdict: 'PASS' });
    expect(ctx.get('startup_command')!.verdict).toBe('PASS');
    expect(ctx.get('pins_match_template')).toMatchObject({ value: true, verdict: 'PASS' });
    expect(ctx.failed()).toEqual([]);
  });

  test("flags other than the template's and a blank MAC fail", async () => {
    fake.state.mac = '000000000000';
    fake.state.flags = 1088n;
    const ctx = fakeContext(undefined, 'test', undefined, rigResources({ client: client(), fixture: [] }));
    await identityPhase({ template: parseTemplate({ pins: {}, flags: '1024' }, 't.json') }).run(ctx);
    expect(
      ctx
        .failed()
        .map((m) => m.name)
        .sort(),
    ).toEqual(['flags', 'mac_assigned', 'pins_match_template']);
    expect(ctx.get('pins_match_template')!.note).toContain('P26: device has Rel;1, the template leaves it unassigned');
    expect(ctx.get('flags')!.note).toContain('t.json sets 1024');
    fake.state.mac = 'C8478C0A0B0C';
    fake.state.flags = 1024n;
  });

  test('a dead device fails the phase with the code and the URL, not a silent pass', async () => {
    fake.misbehave = { how: { kind: 'silent' }, count: Infinity };
    const ctx = fakeContext(undefined, 'test', undefined, rigResources({ client: client(), fixture: [] }));
    try {
      // a phase() fails by what it throws: the device's error becomes the failure's message
      await expect(identityPhase({ template: parseTemplate({ pins: {} }) }).run(ctx)).rejects.toMatchObject({
        code: 'E_PHASE_FAILED',
        message: expect.stringMatching(/^E_DEVICE_HTTP_TIMEOUT: GET http:\/\/127\.0\.0\.1:\d+\/api\/info/),
      });
    } finally {
      fake.misbehave = undefined;
    }
  });
});

describe('configure phase', () => {
  test('each pin read back is a measurement; a pin the device refuses fails', async () => {
    fake.state.roles[10] = 0; // the button role is missing and the firmware will not take it
    fake.state.stuckGpio = 10;
    const ctx = fakeContext(undefined, 'test', undefined, rigResources({ client: client(), fixture: [] }));
    await configurePhase({ template: await loadTemplateFile('hardware/devices/rmc021.json'), rebootTimeoutMs: 5000 }).run(ctx);
    expect(ctx.get('pin_P26')).toMatchObject({ value: 'Rel;1', verdict: 'PASS' });
    expect(ctx.failed().map((m) => m.name)).toEqual(['pin_P10']);
    expect(ctx.unit.mac).toBe('C8:47:8C:0A:0B:0C');
    fake.state.stuckGpio = undefined;
  });
});
