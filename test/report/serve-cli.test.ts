import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_DIR, PLUGRIG_BIN, spawnPlugrig } from '../support/plugrig-child.js';
import { connect } from './ws-client.js';

const root = PACKAGE_DIR;
const bin = PLUGRIG_BIN;

describe('plugrig serve / records (CLI, child process)', () => {
  test('serve prints its address, runs two slots from a WebSocket start, stops cleanly; records finds them', async () => {
    const store = await mkdtemp(join(tmpdir(), 'plugrig-cli-'));
    const args = '--sim-slots 2 --sim-speed 50 --port 0 --token secret-token-1'.split(' ');
    const { child, out, waitForOut, kill } = spawnPlugrig(['serve', ...args, '--store', store]);
    try {
      const url = (await waitForOut(/^listening: (http:\/\/127\.0\.0\.1:\d+)$/m, 40_000))[1]!;
      await waitForOut(/^operator page: http:\/\/127\.0\.0\.1:\d+\/#token=secret-token-1$/m, 10_000);
      const c = await connect(url);
      c.send({ type: 'subscribe', slot: '*' });
      c.send({ type: 'start', slot: '*', token: 'secret-token-1' });
      await c.next((m) => m.type === 'event' && m.event.type === 'run.finished' && m.event.slot === 'slot0', 30_000);
      await c.next((m) => m.type === 'event' && m.event.type === 'run.finished' && m.event.slot === 'slot1', 30_000);
      c.ws.close();
      // 'close', not 'exit': only then has everything the child wrote been read.
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      const code = await closed;
      expect(code).toBe(0);
      expect(out()).toMatch(/^\[slot0\] run PASS in \d+s$/m); // the console view (plain: stdout is a pipe)

      const rec = spawnSync(process.execPath, [bin, 'records', '--store', store, '--json', '--outcome', 'pass'], { cwd: root, encoding: 'utf8' });
      expect(rec.status).toBe(0);
      const records = JSON.parse(rec.stdout) as { slot: string; outcome: string; unit: { mac: string } }[];
      expect(records.map((r) => r.slot).sort()).toEqual(['slot0', 'slot1']);
      const mac = records[0]!.unit.mac;
      const byMac = spawnSync(process.execPath, [bin, 'records', '--store', store, '--mac', mac.replace(/(..)(?!$)/g, '$1:').toLowerCase()], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(byMac.stdout.split('\n').filter((l) => l.includes('PASS'))).toHaveLength(1);
      const bad = spawnSync(process.execPath, [bin, 'records', '--store', store, '--outcome', 'MAYBE'], { cwd: root, encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/^E_USAGE: --outcome MAYBE is not an outcome/);
      await rm(store, { recursive: true });
    } finally {
      kill();
    }
  }, 90_000);

  test('a bad station file is refused with the JSON path of the mistake', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plugrig-cli-'));
    const file = join(dir, 'station.json');
    await writeFile(file, JSON.stringify({ name: 'line', rigs: [{ rig: 'x.json', slot: 'bad slot!' }] }));
    const r = spawnSync(process.execPath, [bin, 'serve', '--station', file, '--store', dir, '--port', '0'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('E_STATION_INVALID');
    expect(r.stderr).toContain('$.rigs[0].slot');
    await rm(dir, { recursive: true });
  }, 60_000);
});
