/**
 * The provisioning file (every mistake one line naming the file and the key, passwords from the
 * environment, {mac}/{mac6} filled in) and the redactor the run's emitter applies to every event.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor } from '../../src/core/redact.js';
import type { RunEvent } from '../../src/core/run-types.js';
import { forUnit, loadProvisioningFile, parseProvisioning } from '../../src/device/provisioning.js';
import { RunEmitter } from '../../src/run/emitter.js';
import { PACKAGE_ROOT, validateRig } from '../../src/rig/config.js';
import { loadStationFile } from '../../src/station/station-file.js';

const env = { LINE_WIFI_PASS: 'from-the-env-9' };

describe('provisioning file', () => {
  test('a full file: passwords inline or from the environment, placeholders filled per unit', () => {
    const p = parseProvisioning(
      {
        wifi: { ssid: 'line net', password: { env: 'LINE_WIFI_PASS' } },
        mqtt: { host: 'broker.local', port: 1883, user: 'plug', password: 'inline-pw', topic: 'plugs/{mac6}' },
        name: 'plug-{mac}',
        commands: ['PowerOnState 0', 'ShortName x{mac6}'],
      },
      'f.json',
      env,
    );
    expect(p.secrets).toEqual([
      { key: 'wifi.password', value: 'from-the-env-9' },
      { key: 'mqtt.password', value: 'inline-pw' },
    ]);
    expect(forUnit(p, 'C8:47:8C:AB:CD:EF')).toEqual({
      wifi: { ssid: 'line net', password: 'from-the-env-9' },
      mqtt: { host: 'broker.local', port: 1883, user: 'plug', password: 'inline-pw', topic: 'plugs/abcdef' },
      name: 'plug-c8478cabcdef',
      commands: ['PowerOnState 0', 'ShortName xabcdef'],
    });
  });

  test.each([
    [{ wifi: { ssid: 'a', pasword: 'x' } }, /f\.json: wifi\.pasword: unknown key/],
    [{ wifi: { ssid: '' } }, /f\.json: wifi\.ssid: must be a non-empty string/],
    [{ wifi: { ssid: 'a"b' } }, /wifi\.ssid: contains a double quote/],
    [{ wifi: { ssid: 'a', password: { env: 'NOT_SET_ANYWHERE' } } }, /wifi\.password: the environment variable NOT_SET_ANYWHERE is not set/],
    [{ wifi: { ssid: 'a', password: 'abc' } }, /wifi\.password: is shorter than 4 characters/],
    [{ mqtt: { host: 'h', port: 8883 } }, /mqtt\.port: 8883: OpenBeken has no console command for the MQTT port/],
    [{ mqtt: { host: 'h', topic: 'p/{serial}' } }, /mqtt\.topic: unknown placeholder \{serial\}/],
    [{ name: 'x', commands: 'PowerOnState 0' }, /commands: must be an array/],
    [{}, /provisions nothing/],
  ])('%j is refused: %s', (raw, message) => {
    expect(() => parseProvisioning(raw, 'f.json', env)).toThrow(message);
  });

  test('a password value never appears in an error about it', () => {
    let msg = '';
    try {
      parseProvisioning({ wifi: { ssid: 'a', password: 'secret"quote' } }, 'f.json', env);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/wifi\.password/);
    expect(msg).not.toContain('secret');
  });

  test('a JSON syntax error is file:line:col', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugrig-prov-'));
    const f = join(dir, 'p.json');
    writeFileSync(f, '{\n  "name": "x",\n}\n');
    await expect(loadProvisioningFile(f, env)).rejects.toThrow(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:14: not valid JSON: a comma before`));
  });
});

describe('where serve finds it', () => {
  test('a rig file and a station file name a provisioning file, relative to themselves', async () => {
    const rigJson = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'rigs/sim.json'), 'utf8'));
    const rig = validateRig({ ...rigJson, provision: '../line.provision.json' }, join(PACKAGE_ROOT, 'rigs/sim.json'));
    expect(rig.provisionPath).toBe(join(PACKAGE_ROOT, 'line.provision.json'));
    const dir = mkdtempSync(join(tmpdir(), 'plugrig-prov-st-'));
    writeFileSync(join(dir, 'station.json'), JSON.stringify({ rigs: ['r.json'], provision: 'p.json' }));
    expect((await loadStationFile(join(dir, 'station.json'))).provision).toBe(join(dir, 'p.json'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ rigs: ['r.json'], provision: 3 }));
    await expect(loadStationFile(join(dir, 'bad.json'))).rejects.toThrow(/\$\.provision: must be a provisioning file path/);
  });
});

describe('redaction', () => {
  const r = new Redactor([
    { key: 'wifi.password', value: 'p@ss word/1' },
    { key: 'mqtt.password', value: 'q"uote\\d' },
  ]);

  test('raw, URL-encoded, form-encoded and JSON-escaped forms are replaced by the key', () => {
    expect(r.text('x p@ss word/1 y')).toBe('x <redacted:wifi.password> y');
    expect(r.text(`/cm?cmnd=${encodeURIComponent('Password1 p@ss word/1')}`)).toBe('/cm?cmnd=Password1%20<redacted:wifi.password>');
    expect(r.text('pw=p%40ss+word%2F1')).toBe('pw=<redacted:wifi.password>');
    expect(r.text(JSON.stringify({ a: 'q"uote\\d' }))).toBe('{"a":"<redacted:mqtt.password>"}');
  });

  test('deep: every string of an event, keys included; the original is untouched', () => {
    const ev = { type: 'log', message: 'got p@ss word/1', nested: [{ 'p@ss word/1': 1, n: 2 }] };
    expect(r.deep(ev)).toEqual({ type: 'log', message: 'got <redacted:wifi.password>', nested: [{ '<redacted:wifi.password>': 1, n: 2 }] });
    expect(ev.message).toBe('got p@ss word/1');
  });

  test('the emitter hands every sink and the record fold only scrubbed events', async () => {
    const seen: RunEvent[] = [];
    const folded: RunEvent[] = [];
    const em = new RunEmitter(
      'run1',
      's',
      [{ durable: true, handle: (e) => void seen.push(e) }, { handle: (e) => void seen.push(e) }],
      () => 0,
      (e) => folded.push(e),
      r,
    );
    em.emit({ type: 'log', phase: 'provision', level: 'warn', message: 'GET /cm?cmnd=Password1%20p%40ss%20word%2F1: no reply' } as never);
    await em.flush();
    expect(seen).toHaveLength(2);
    for (const e of [...seen, ...folded]) expect(JSON.stringify(e)).toContain('Password1%20<redacted:wifi.password>: no reply');
  });
});
