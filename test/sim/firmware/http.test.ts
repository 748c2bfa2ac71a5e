import { describe, expect, test } from '@jest/globals';
import { withDeadline } from '../../../src/core/clock.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { bootImage, RMC021_BACKLOG, rmc021Bench } from './helpers.js';

async function get(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(5000), ...init });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

const cm = (cmd: string) => `/cm?cmnd=${encodeURIComponent(cmd)}`;

describe('HTTP API on loopback, real requests', () => {
  test('configure a fresh device with the RMC021 backlog, then read it back', async () => {
    const { fw } = await bootImage();
    const base = fw.httpUrl!;
    const info0 = JSON.parse((await get(base, '/api/info')).text) as Record<string, unknown>;
    expect(info0.flags).toBe('1024');
    expect(info0.startcmd).toBe('');
    const r = await get(base, cm(RMC021_BACKLOG));
    expect(r).toEqual({ status: 200, text: '{}', type: 'application/json' });
    const pins = JSON.parse((await get(base, '/api/pins')).text) as { roles: number[]; channels: number[] };
    expect(pins.roles[6]).toBe(19);
    expect(pins.roles[26]).toBe(1);
    expect(pins.channels[26]).toBe(1);
    const status8 = await get(base, '/cm?cmnd=STATUS%208');
    expect(status8.text).toBe('{"StatusSNS":{"Time":"0000-00-00T00:00:00","ESP32":{"Temperature": 0.0},"TempUnit":"C"}}'); // driver not yet started
    const info = JSON.parse((await get(base, '/api/info')).text) as Record<string, unknown>;
    expect(info.startcmd).toBe('startDriver NTP');
    expect(info.build).toBe('Built on Nov 29 2026 08:00:00 version 1.18.0');
    expect(info.mac).toBe('C8478C123456');
    await fw.stop();
  });

  test('POWER query/toggle, /api/channels, STATUS 8 with ENERGY after boot, POST /cm', async () => {
    const { bench, fw } = await rmc021Bench();
    const base = fw.httpUrl!;
    expect((await get(base, cm('POWER'))).text).toBe('{"POWER":"OFF"}');
    expect((await get(base, cm('POWER TOGGLE'))).text).toBe('{"POWER":"ON"}');
    expect(bench.pads.get(26)!.level()).toBe(1);
    expect((await get(base, '/api/channels')).text).toBe('{"0":0,"0":0,"0":0,"1":1,"0":0,"1":1}');
    const s8 = (await get(base, cm('STATUS 8'))).text;
    expect(s8).toContain('"ENERGY":{"Power": 0.000000,"ApparentPower": 0.000000,');
    expect(JSON.parse(s8)).toHaveProperty('StatusSNS.ESP32.Temperature', 0);
    const post = await get(base, '/cm', { method: 'POST', body: 'cmnd=POWER%20OFF', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.text).toBe('{"POWER":"OFF"}');
    expect((await get(base, '/nope')).status).toBe(404);
    await fw.stop();
  });

  test('a command longer than 123 characters runs twice, as on the device', async () => {
    const { fw } = await rmc021Bench();
    const base = fw.httpUrl!;
    const long = `backlog POWER TOGGLE; ${'SetFlag 5 0; '.repeat(10)}SetFlag 5 0`;
    expect(long.length).toBeGreaterThan(123);
    await get(base, cm(long));
    expect(fw.runtime!.model.channels[1]).toBe(0); // toggled twice
    await get(base, cm('backlog POWER TOGGLE; SetFlag 5 0'));
    expect(fw.runtime!.model.channels[1]).toBe(1);
    await fw.stop();
  });

  test('basic auth when a password is configured', async () => {
    const { fw } = await rmc021Bench({ webPassword: 's3cret' });
    const base = fw.httpUrl!;
    expect((await get(base, '/api/info')).status).toBe(401);
    const bad = await get(base, '/api/info', { headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` } });
    expect(bad.status).toBe(401);
    const ok = await get(base, '/api/info', { headers: { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` } });
    expect(ok.status).toBe(200);
    await fw.stop();
  });

  test('requests during a restart are dropped; the same URL answers after the reboot', async () => {
    const { bench, fw } = await rmc021Bench();
    const base = fw.httpUrl!;
    await get(base, cm('restart 0'));
    bench.clock.advance(1); // the firmware goes down
    await expect(get(base, '/api/info')).rejects.toThrow();
    bench.clock.advance(200); // reboot gap over
    expect((await get(base, '/api/info')).status).toBe(200);
    expect(fw.runtime!.boots).toBe(2);
    await fw.stop();
  });

  test('fault http-slow delays every reply by its time on the firmware clock', async () => {
    const clock = new VirtualClock({ startMs: 10_000 });
    const { fw } = await rmc021Bench({ faults: ['http-slow:250'] }, clock);
    const t0 = clock.now();
    const reply = await withDeadline(clock, 1000, get(fw.httpUrl!, '/api/info'), () => new Error('no reply within 1 s of virtual time'));
    expect(reply.status).toBe(200);
    expect(clock.now() - t0).toBe(250);
    await fw.stop();
    clock.stop();
  });

  test('fault http-dead: the port accepts but never answers; stop() still closes promptly', async () => {
    const { fw } = await rmc021Bench({ faults: ['http-dead'] });
    await expect(fetch(fw.httpUrl! + '/api/info', { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const pending = fetch(fw.httpUrl! + '/api/info', { signal: AbortSignal.timeout(5000) }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await fw.stop();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(String(await pending)).toMatch(/fetch failed/); // the connection was cut, not answered
  });
});
