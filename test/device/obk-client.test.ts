import { describe, test, expect } from '@jest/globals';
import { ObkClient, normaliseBaseUrl } from '../../src/device/obk-client.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { useRealTimeFakeObk } from './fake-obk-fixture.js';
import { FakeObk } from './fake-obk.js';
import { freePort } from '../support/free-port.js';

let fake: FakeObk;
useRealTimeFakeObk((f) => (fake = f));

const fast = (url: string, extra: Partial<ConstructorParameters<typeof ObkClient>[0]> = {}) =>
  new ObkClient({ url, timeoutMs: 300, retries: 2, retryDelayMs: 20, ...extra });

describe('ObkClient against replies shaped like the real firmware', () => {
  test('info, pins, power and energy', async () => {
    fake.configureRmc021();
    fake.state.energy = { voltage: 230.07, current: 0.498, power: 115.5 };
    const c = fast(fake.url);
    const info = await c.info();
    expect(info).toMatchObject({ mac: 'C8478C0A0B0C', flags: 1024n, startCmd: 'startDriver NTP', chipset: 'BK7231N' });
    expect(info.uptimeS).toBeGreaterThanOrEqual(59);
    const pins = await c.pins();
    expect(pins.roles[26]).toBe(1);
    expect(pins.channels[10]).toBe(1);
    expect((await c.power()).get('POWER')).toBe(false);
    expect((await c.setPower('ON')).get('POWER')).toBe(true);
    expect(await c.energy()).toMatchObject({ voltage: 230.07, current: 0.498, power: 115.5 });
    fake.state.energy = undefined;
    expect(await c.energy()).toBeUndefined();
    expect(fake.requests).toContain('/cm?cmnd=STATUS%208');
  });

  test('backlog and calibration commands are URL-encoded console commands', async () => {
    const c = fast(fake.url);
    await c.backlog(['SetPinRole 26 Rel', 'SetPinChannel 26 1']);
    await c.setCalibration({ voltage: 230, current: 8, power: 1840 });
    expect(fake.commands).toEqual([
      'backlog SetPinRole 26 Rel; SetPinChannel 26 1',
      'SetPinRole 26 Rel',
      'SetPinChannel 26 1',
      'VoltageSet 230',
      'CurrentSet 8',
      'PowerSet 1840',
    ]);
    expect(fake.requests[0]).toBe('/cm?cmnd=backlog%20SetPinRole%2026%20Rel%3B%20SetPinChannel%2026%201');
  });

  test('basic auth: refused without credentials (no retry), accepted with them, also from the URL', async () => {
    fake.auth = { user: 'admin', password: 's3cret' };
    await expect(fast(fake.url).info()).rejects.toMatchObject({ code: 'E_DEVICE_HTTP_AUTH' });
    expect(fake.requests).toHaveLength(1);
    await expect(fast(fake.url, { user: 'admin', password: 's3cret' }).info()).resolves.toMatchObject({ mac: 'C8478C0A0B0C' });
    const withUrlCreds = fake.url.replace('http://', 'http://admin:s3cret@');
    await expect(fast(withUrlCreds).info()).resolves.toMatchObject({ flags: 1024n });
  });

  test('a slow device within the deadline is fine; beyond it, bounded retries end in E_DEVICE_HTTP_TIMEOUT naming the URL', async () => {
    fake.misbehave = { how: { kind: 'slow', ms: 100 }, count: Infinity };
    await expect(fast(fake.url).info()).resolves.toMatchObject({ flags: 1024n });
    fake.requests.length = 0;
    fake.misbehave = { how: { kind: 'slow', ms: 1000 }, count: Infinity };
    const t0 = Date.now();
    const err = await fast(fake.url)
      .info()
      .catch((e) => e);
    expect(err.code).toBe('E_DEVICE_HTTP_TIMEOUT');
    expect(err.message).toContain(`${fake.url}/api/info`);
    expect(err.message).toContain('gave up after 3 attempts');
    expect(fake.requests).toHaveLength(3);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  // A device that misbehaves on every request: what the client makes of it, and how often it asked.
  test.each([
    {
      name: 'a silent device (accepts, never answers) times out',
      how: { kind: 'silent' },
      retries: 1,
      call: 'power',
      code: 'E_DEVICE_HTTP_TIMEOUT',
      message: /no reply within 300 ms/,
      asked: 2,
    },
    {
      name: 'half an answer (headers, part of the body, then nothing) times out on the body',
      how: { kind: 'half' },
      retries: 0,
      call: 'energy',
      code: 'E_DEVICE_HTTP_TIMEOUT',
      message: /reply body not complete/,
      asked: 1,
    },
    {
      name: 'a reset mid-body is a bad reply',
      how: { kind: 'reset' },
      retries: 1,
      call: 'energy',
      code: 'E_DEVICE_HTTP_BAD_REPLY',
      message: /connection closed before the reply was complete/,
      asked: 2,
    },
    {
      name: 'a truncated JSON body is a bad reply',
      how: { kind: 'truncated' },
      retries: 0,
      call: 'energy',
      code: 'E_DEVICE_HTTP_BAD_REPLY',
      message: /not valid JSON/,
      asked: 1,
    },
  ] as const)('$name', async ({ how, retries, call, code, message, asked }) => {
    fake.misbehave = { how, count: Infinity };
    const err = await fast(fake.url, { retries })
      [call]()
      .catch((e) => e);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(fake.requests).toHaveLength(asked);
  });

  test('one dropped request is retried and succeeds', async () => {
    fake.misbehave = { how: { kind: 'reset' }, count: 1 };
    await expect(fast(fake.url).power()).resolves.toBeDefined();
    expect(fake.requests).toHaveLength(2);
  });

  test('POWER TOGGLE is never sent twice', async () => {
    fake.misbehave = { how: { kind: 'reset' }, count: 1 };
    await expect(fast(fake.url).setPower('TOGGLE')).rejects.toMatchObject({ code: 'E_DEVICE_HTTP_BAD_REPLY' });
    expect(fake.requests).toHaveLength(1);
  });

  test('connection refused ends in E_DEVICE_HTTP_UNREACHABLE after the retries', async () => {
    const port = await freePort(); // free a moment ago: nothing listens there
    const err = await fast(`127.0.0.1:${port}`)
      .info()
      .catch((e) => e);
    expect(err.code).toBe('E_DEVICE_HTTP_UNREACHABLE');
    expect(err.message).toContain(`http://127.0.0.1:${port}/api/info: connection refused`);
  });

  test('HTTP errors: 404 is not retried, 500 is', async () => {
    fake.misbehave = { how: { kind: 'status', code: 404 }, count: Infinity };
    await expect(fast(fake.url).info()).rejects.toMatchObject({ code: 'E_DEVICE_HTTP_NOT_FOUND' });
    expect(fake.requests).toHaveLength(1);
    fake.misbehave = { how: { kind: 'status', code: 500 }, count: 1 };
    await expect(fast(fake.url).info()).resolves.toBeDefined();
  });

  test('an abort stops a hanging request at once with E_ABORTED', async () => {
    fake.misbehave = { how: { kind: 'silent' }, count: Infinity };
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = Date.now();
    await expect(new ObkClient({ url: fake.url, timeoutMs: 5000 }).info({ signal: ac.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('a URL function is read at every call; no URL is a clear error', async () => {
    let url: string | undefined;
    const c = new ObkClient({ url: () => url, timeoutMs: 300 });
    await expect(c.info()).rejects.toMatchObject({ code: 'E_DEVICE_NO_URL' });
    url = fake.url;
    await expect(c.info()).resolves.toBeDefined();
  });

  test('URL normalisation', () => {
    expect(normaliseBaseUrl('192.168.4.1')).toEqual({ base: 'http://192.168.4.1' });
    expect(normaliseBaseUrl('http://h:8080/')).toEqual({ base: 'http://h:8080' });
    expect(normaliseBaseUrl('http://u:p%40x@h')).toEqual({ base: 'http://h', user: 'u', password: 'p@x' });
    expect(() => normaliseBaseUrl('ftp://h')).toThrow(/only http/);
  });
});

describe('ObkClient on an injected clock', () => {
  test('deadlines and the doubling retry pauses run on the clock, not on real time', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const slow = await new FakeObk({ clock }).start();
    try {
      slow.misbehave = { how: { kind: 'silent' }, count: Infinity };
      const started = Date.now();
      const c = new ObkClient({ url: slow.url, timeoutMs: 10_000, retries: 2, retryDelayMs: 5_000, clock });
      await expect(c.info()).rejects.toMatchObject({ code: 'E_DEVICE_HTTP_TIMEOUT', message: expect.stringContaining('gave up after 3 attempts') });
      // 3 deadlines of 10 s + pauses of 5 s and 10 s, all virtual
      expect(clock.now()).toBeGreaterThanOrEqual(45_000);
      expect(clock.now()).toBeLessThan(46_000);
      expect(slow.requests).toHaveLength(3);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await slow.close();
      clock.stop();
    }
  });
});
