import { describe, test, expect } from '@jest/globals';
import { applyCommands, applyTemplate, backlogBatches, confirmApplied, startupCommand } from '../../src/device/apply.js';
import type { VirtualClock } from '../../src/core/virtual-clock.js';
import { ObkClient } from '../../src/device/obk-client.js';
import type { ObkPins } from '../../src/device/obk-replies.js';
import { loadTemplateFile, parseTemplate } from '../../src/device/template.js';
import { useFakeObk } from './fake-obk-fixture.js';
import type { FakeObk } from './fake-obk.js';

const emptyPins = (): ObkPins => ({ roles: Array(29).fill(0), channels: Array(29).fill(0), channels2: [], states: [] });

describe('template → console commands (pure)', () => {
  test('RMC021 on a blank device', async () => {
    const t = await loadTemplateFile('hardware/devices/rmc021.json');
    expect(applyCommands(t, emptyPins())).toEqual([
      'SetPinRole 6 BL0937CF1',
      'SetPinChannel 6 0',
      'SetPinRole 7 BL0937CF',
      'SetPinChannel 7 0',
      'SetPinRole 8 WifiLED_n',
      'SetPinChannel 8 0',
      'SetPinRole 10 Btn',
      'SetPinChannel 10 1',
      'SetPinRole 24 BL0937SEL',
      'SetPinChannel 24 0',
      'SetPinRole 26 Rel',
      'SetPinChannel 26 1',
      'flags 1024',
    ]);
    expect(startupCommand(t)).toBe('StartupCommand "startDriver NTP"');
  });

  test('roles left from an earlier configuration are cleared; channel2 is sent', () => {
    const pins = emptyPins();
    pins.roles[23] = 3;
    const cmds = applyCommands(parseTemplate({ pins: { '10': 'Btn;1;2' } }), pins);
    expect(cmds).toEqual(['SetPinRole 23 None', 'SetPinChannel 23 0', 'SetPinRole 10 Btn', 'SetPinChannel 10 1 2']);
  });

  test('batches stay under the length bound and keep every command in order', () => {
    const cmds = Array.from({ length: 40 }, (_, i) => `SetPinChannel ${i} ${i}`);
    const batches = backlogBatches(cmds, 100);
    expect(batches.length).toBeGreaterThan(3);
    for (const b of batches) expect(b.join('; ').length).toBeLessThanOrEqual(100);
    expect(batches.flat()).toEqual(cmds);
  });

  test('read-back comparison names each mismatch', () => {
    const t = parseTemplate({ pins: { '26': 'Rel;1', '10': 'Btn;1' }, flags: '1024', command: 'startDriver NTP' });
    const pins = emptyPins();
    pins.roles[26] = 1;
    pins.channels[26] = 1;
    pins.roles[10] = 4;
    pins.channels[10] = 1; // Btn_n instead of Btn
    pins.roles[23] = 1; // extra
    const info = { uptimeS: 1, build: 'b', mac: '001122334455', flags: 0n, startCmd: 'startDriver NTP' };
    const c = confirmApplied(t, pins, info);
    expect(c.ok).toBe(false);
    expect(c.problems).toEqual([
      'P10: expected Btn;1, device has Btn_n;1',
      'P23: device has Rel;0, the template leaves it unassigned',
      'flags: expected 1024, device has 0',
    ]);
    expect(c.pins.find((p) => p.gpio === 26)).toMatchObject({ ok: true, expected: 'Rel;1', actual: 'Rel;1' });
    pins.roles[10] = 3;
    pins.roles[23] = 0;
    expect(confirmApplied(t, pins, { ...info, flags: 1024n }).ok).toBe(true);
  });
});

describe("applyTemplate against a fake device (virtual time: the device's uptime and the waits share one clock)", () => {
  let clock: VirtualClock;
  let fake: FakeObk;
  useFakeObk((c, f) => ([clock, fake] = [c, f]));
  const client = () => new ObkClient({ url: fake.url, timeoutMs: 500, retries: 1, retryDelayMs: 20, clock });

  test('applies, restarts, and the read-back matches', async () => {
    fake.state.flags = 0n;
    const t = await loadTemplateFile('hardware/devices/rmc021.json');
    const r = await applyTemplate(client(), t, { rebootTimeoutMs: 5000 });
    expect(r.check.problems).toEqual([]);
    expect(r.check.ok).toBe(true);
    expect(fake.roleName(26)).toBe('Rel');
    expect(fake.state.startCmd).toBe('startDriver NTP');
    expect(fake.commands).toContain('restart');
    expect(fake.commands.indexOf('restart')).toBeGreaterThan(fake.commands.indexOf('StartupCommand "startDriver NTP"'));
    expect(r.info.uptimeS).toBeLessThan(5);
  });

  test('a pin the firmware does not take shows up as a mismatch', async () => {
    fake.state.stuckGpio = 26;
    const r = await applyTemplate(client(), await loadTemplateFile('hardware/devices/rmc021.json'), { rebootTimeoutMs: 5000 });
    expect(r.check.ok).toBe(false);
    expect(r.check.problems).toEqual(['P26: expected Rel;1, device has None;1']);
  });

  test('a device that does not restart ends in E_DEVICE_NO_RESTART (bounded)', async () => {
    fake.state.noRestart = true;
    const t0 = clock.now();
    await expect(applyTemplate(client(), parseTemplate({ pins: { '26': 'Rel;1' } }), { rebootTimeoutMs: 2000 })).rejects.toMatchObject({
      code: 'E_DEVICE_NO_RESTART',
    });
    expect(clock.now() - t0).toBeLessThan(4000);
  });

  test('restart: false applies and reads back at once, leaving the restart to the caller (no safe-mode wait)', async () => {
    fake.state.bootedAt = clock.wallNow() - 1000;
    const t0 = clock.now();
    const r = await applyTemplate(client(), await loadTemplateFile('hardware/devices/rmc021.json'), { restart: false });
    expect(fake.commands).not.toContain('restart');
    expect(r.check.problems).toEqual([]);
    expect(clock.now() - t0).toBeLessThan(1000);
  });

  test('a freshly booted device is not restarted before the safe-mode window has passed', async () => {
    fake.state.bootedAt = clock.wallNow() - 1000;
    const t0 = clock.now();
    await applyTemplate(client(), parseTemplate({ pins: { '26': 'Rel;1' } }), { rebootTimeoutMs: 5000, minUptimeBeforeRestartS: 3 });
    const restartIdx = fake.commands.indexOf('restart');
    expect(restartIdx).toBeGreaterThan(0);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(2000);
  });
});
