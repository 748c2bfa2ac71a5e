import { describe, test, expect } from '@jest/globals';
import type { VirtualClock } from '../../src/core/virtual-clock.js';
import { cli as runCli } from '../cli/run-cli.js';
import { useFakeObk } from './fake-obk-fixture.js';
import type { FakeObk } from './fake-obk.js';
import { freePort } from '../support/free-port.js';

// The command and the fake device share one virtual clock: restarts, retries and deadlines cost no real time.
let clock: VirtualClock;
let fake: FakeObk;
useFakeObk((c, f) => ([clock, fake] = [c, f]));
const cli = (argv: string[]) => runCli(argv, { clock });

describe('plugrig configure', () => {
  test('applies the RMC021 template, prints MAC, build and each pin, exit 0', async () => {
    const r = await cli(['configure', '--url', fake.url]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('MAC    C8:47:8C:0A:0B:0C');
    expect(r.out).toContain('build  Built on Nov 29 2026');
    expect(r.out).toMatch(/P26\s+Rel;1\s+ok/);
    expect(r.out).toMatch(/P8\s+WifiLED_n;0\s+ok/);
    expect(r.out).toContain('configuration confirmed');
    expect(fake.commands).toContain('restart');
  }, 15_000);

  test('a pin the device does not take: exit 1 naming the pin', async () => {
    fake.state.stuckGpio = 24;
    const r = await cli(['configure', '--url', fake.url, '--device', 'hardware/devices/rmc021.json']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/P24\s+None;0\s+MISMATCH \(expected BL0937SEL;0\)/);
    expect(r.err).toContain('E_CONFIGURE_MISMATCH');
    expect(r.err).toContain('P24: expected BL0937SEL;0, device has None;0');
  }, 15_000);

  test('user mistakes are one clear line', async () => {
    expect(await cli(['configure'])).toMatchObject({ code: 2, err: expect.stringContaining('--url is required') });
    const missing = await cli(['configure', '--url', fake.url, '--device', 'nope.json']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^E_TEMPLATE_NOT_FOUND: .*nope\.json: no such template/);
    expect(fake.requests).toEqual([]);
  });

  test('a dead device (accepts, never answers): bounded retries end in one line naming the URL', async () => {
    fake.misbehave = { how: { kind: 'silent' }, count: Infinity };
    const t0 = clock.now();
    const r = await cli(['configure', '--url', fake.url, '--timeout', '200']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^E_DEVICE_HTTP_TIMEOUT: GET ${fake.url}/api/info: no reply within 200 ms \\(gave up after 3 attempts\\)`));
    expect(fake.requests).toHaveLength(3);
    expect(clock.now() - t0).toBeLessThan(4000);
  });

  test('a device that half-answers the read-back after the restart fails clearly, nothing hangs', async () => {
    fake.onCommand = (c) => {
      if (c === 'restart') fake.misbehave = { how: { kind: 'half' }, count: Infinity };
      return undefined;
    };
    const r = await cli(['configure', '--url', fake.url, '--timeout', '300', '--reboot-timeout', '2500']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_DEVICE_NO_RESTART: the device did not come back from restart within 2500 ms \(E_DEVICE_HTTP_TIMEOUT\)/);
  }, 10_000);

  test('password-protected device: refused without, applied with credentials', async () => {
    fake.auth = { user: 'admin', password: 'pw' };
    const refused = await cli(['configure', '--url', fake.url]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^E_DEVICE_HTTP_AUTH: .*\/api\/info: HTTP 401/);
    const ok = await cli(['configure', '--url', fake.url, '--user', 'admin', '--password', 'pw']);
    expect(ok.code).toBe(0);
  }, 15_000);
});

describe('plugrig status', () => {
  test('power and energy from the real reply shapes', async () => {
    fake.state.relay = true;
    fake.state.energy = { voltage: 230.07, current: 0.498, power: 115.5 };
    const r = await cli(['status', '--url', fake.url]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/POWER\s+ON/);
    expect(r.out).toMatch(/voltage\s+230\.07 V/);
    expect(r.out).toMatch(/current\s+0\.498 A/);
    expect(r.out).toMatch(/power\s+115\.5 W/);
    expect(r.out).toMatch(/energy total\s+12\.5 Wh/);
  });

  test('--json', async () => {
    fake.state.energy = { voltage: 120, current: 0.05, power: 6 };
    const r = await cli(['status', '--url', fake.url, '--json']);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ mac: 'C8478C0A0B0C', power: { POWER: 'OFF' }, energy: { voltage: 120, current: 0.05, power: 6 } });
  });

  test('no metering driver', async () => {
    const r = await cli(['status', '--url', fake.url]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('no metering driver running');
    expect(JSON.parse((await cli(['status', '--url', fake.url, '--json'])).out).energy).toBeNull();
  });

  test('slow device beyond --timeout: bounded retries, then one line naming the URL', async () => {
    fake.misbehave = { how: { kind: 'slow', ms: 2000 }, count: Infinity };
    const t0 = clock.now();
    const r = await cli(['status', '--url', fake.url, '--timeout', '200']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^E_DEVICE_HTTP_TIMEOUT: GET ${fake.url}/api/info: no reply within 200 ms \\(gave up after 3 attempts\\)`));
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(fake.requests).toHaveLength(3);
    expect(clock.now() - t0).toBeLessThan(4000);
  });

  test('half-answering device (body never completes)', async () => {
    fake.misbehave = { how: { kind: 'half' }, count: Infinity };
    const r = await cli(['status', '--url', fake.url, '--timeout', '200']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_DEVICE_HTTP_TIMEOUT: .*reply body not complete/);
  });

  test('device that answers /api/info and then resets mid-body', async () => {
    // The first console command (POWER) is answered, and from then on every reply is cut off.
    fake.onCommand = () => {
      fake.misbehave = { how: { kind: 'reset' }, count: Infinity };
      return undefined;
    };
    const first = await cli(['status', '--url', fake.url, '--timeout', '300']);
    expect(first.code).toBe(1);
    expect(first.err).toMatch(/^E_DEVICE_HTTP_BAD_REPLY: GET .*STATUS%208: connection closed before the reply was complete/);
  });

  test('nothing listening: unreachable', async () => {
    const port = await freePort(); // free a moment ago: nothing listens there
    const r = await cli(['status', '--url', `127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_DEVICE_HTTP_UNREACHABLE: GET http:\/\/127\.0\.0\.1:\d+\/api\/info: connection refused/);
  });
});
