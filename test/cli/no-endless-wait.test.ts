/**
 * Issue 11 item 5: no wait without an end, and one vocabulary for MACs. A bare port waits for the
 * manual reset only as long as --wait says and tells the user what to do; `rig check` validates the
 * template the rig names; a --store that does not exist is an error; --mac takes the last 3 bytes;
 * `flash` leaves a record `records --mac` finds (12 hex digits in JSON, colons in the table).
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { macMatches, normalizeMac, normalizeMacQuery } from '../../src/core/mac.js';
import type { RunRecord } from '../../src/core/record.js';
import { matchRecord } from '../../src/report/store/query.js';
import { cli } from './run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'plugrig-cli11-'));

describe('MACs', () => {
  test('a query takes all 6 bytes or the last 3, with any separator', () => {
    expect(normalizeMacQuery('c8:47:8c:01:02:03')).toBe('C8478C010203');
    expect(normalizeMacQuery('C8-47-8C-01-02-03')).toBe('C8478C010203');
    expect(normalizeMacQuery('c847.8c01.0203')).toBe('C8478C010203');
    expect(normalizeMacQuery('01:02:03')).toBe('010203');
    expect(normalizeMacQuery('01_02_03')).toBe('010203');
    expect(normalizeMacQuery('01 02 03')).toBe('010203');
    expect(normalizeMacQuery('0102')).toBeUndefined();
    expect(normalizeMacQuery('01:02:0g')).toBeUndefined();
    // A full MAC stays 12 digits; 3 bytes are only a query.
    expect(normalizeMac('01:02:03')).toBeUndefined();
    expect(macMatches('C8478C010203', '010203')).toBe(true);
    expect(macMatches('C8478C010203', '8C0102')).toBe(false);
    const rec = { unit: { mac: 'C8478C010203' } } as unknown as RunRecord;
    expect(matchRecord(rec, { mac: '010203' })).toBe(true);
    expect(matchRecord(rec, { mac: 'C8478C010203' })).toBe(true);
    expect(matchRecord(rec, { mac: '010204' })).toBe(false);
  });

  test('records --mac with a bad value says both accepted forms', async () => {
    const r = await cli(['records', '--mac', '12:34', '--store', tmp()]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_USAGE: --mac 12:34 is not a MAC address — give 12 hex digits or the last 3 bytes/);
  });
});

describe('records --store', () => {
  test('a directory that does not exist is an error naming it, not "no records"', async () => {
    const missing = join(tmp(), 'no-such-store');
    const r = await cli(['records', '--store', missing]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `E_STORE_MISSING: --store ${missing} does not exist — name the directory run/serve wrote to (it holds records.sqlite), or drop --store for the default\n`,
    );
  });
});

describe('rig check', () => {
  test('validates the device template the rig names, as run does', async () => {
    const dir = tmp();
    const good = JSON.parse(readFileSync('hardware/devices/rmc021.json', 'utf8')) as { pins: Record<string, string> };
    good.pins['26'] = 'Rell;1';
    writeFileSync(join(dir, 'typo.json'), JSON.stringify(good));
    const rig = JSON.parse(readFileSync('rigs/sim.json', 'utf8')) as Record<string, unknown>;
    rig.device = join(dir, 'typo.json');
    writeFileSync(join(dir, 'rig.json'), JSON.stringify(rig));
    const r = await cli(['rig', 'check', join(dir, 'rig.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Rell/);
    expect(r.err).toMatch(/did you mean "Rel"/);
    const ok = await cli(['rig', 'check', 'rigs/sim.json']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/device .*rmc021\.json \(template valid\)/);
  });
});

describe('flash writes a record', () => {
  test('records --mac <last 3 bytes> finds it; JSON has 12 hex digits, the table colons', async () => {
    const dir = tmp();
    const img = join(dir, 'small.bin');
    writeFileSync(img, generateTestImage({ size: 96 * 1024 }));
    const f = await cli(['flash', img, '--baud', '2M', '--json', '--no-reboot', '--store', dir]);
    expect(f.code).toBe(0);
    const mac = (JSON.parse(f.out) as { mac: string }).mac;
    expect(mac).toMatch(/^[0-9A-F]{12}$/);
    const last3 = mac
      .slice(6)
      .replace(/(..)(?!$)/g, '$1-')
      .toLowerCase();
    const j = await cli(['records', '--store', dir, '--mac', last3, '--json']);
    expect(j.code).toBe(0);
    const recs = JSON.parse(j.out) as { unit: { mac: string }; outcome: string; phases: { name: string }[] }[];
    expect(recs).toHaveLength(1);
    expect(recs[0]!.unit.mac).toBe(mac);
    expect(recs[0]!.unit.mac).toMatch(/^[0-9A-F]{12}$/);
    expect(recs[0]!.outcome).toBe('PASS');
    expect(recs[0]!.phases.map((p) => p.name)).toEqual(['flash']);
    const t = await cli(['records', '--store', resolve(dir), '--mac', last3]);
    expect(t.out).toContain(mac.replace(/(..)(?!$)/g, '$1:'));
  });
});
