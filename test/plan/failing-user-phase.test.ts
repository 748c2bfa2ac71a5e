/**
 * A failing user phase is seen wherever a unit's result goes: the WebSocket stream, the record
 * (`plugrig records`), the JUnit file and the operator page, each with its measurement and the
 * firmware log lines of its time. Through the compiled CLI (`serve` and `run`) on the simulated rig,
 * on a virtual clock.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from '../report/ws-client.js';
import { PACKAGE_DIR, PLUGRIG_BIN, spawnPlugrig } from '../support/plugrig-child.js';
import { describeWithChromium, launchChromium, openOperatorPage } from '../report/headless-chromium.js';

const root = PACKAGE_DIR;
const bin = PLUGRIG_BIN;
const plan = resolve(root, 'test/plan/fixtures/failing-phase.mjs');

let dir: string;
let rigFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plugrig-userfail-'));
  const base = JSON.parse(readFileSync(resolve(root, 'rigs/sim.json'), 'utf8'));
  rigFile = join(dir, 'bench.json');
  writeFileSync(
    rigFile,
    JSON.stringify({
      ...base,
      name: 'bench',
      device: resolve(root, 'hardware/devices/rmc021.json'),
      plan,
      sim: { ...base.sim, timing: 'fast', seed: 41, path: 'sim:userfail' },
    }),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a failing user phase', () => {
  test('plugrig run: the record and the JUnit file carry its measurement and its firmware log', () => {
    const junit = join(dir, 'run.xml');
    const r = spawnSync(process.execPath, [bin, 'run', '--rig', rigFile, '--virtual-time', '--junit', junit, '--store', join(dir, 'run-store'), '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PLUGRIG_HOME: dir },
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/user-clicks FAIL/);
    const record = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    const mine = record.phases.find((p: { name: string }) => p.name === 'user-clicks');
    expect(mine.outcome).toBe('FAIL');
    expect(mine.measurements).toEqual([
      expect.objectContaining({ name: 'relay_clicks', value: 2, limits: { equals: 3 }, verdict: 'FAIL', note: 'the third click never came' }),
    ]);
    expect(JSON.stringify(mine)).toMatch(/Time \d+/); // OpenBeken's once-a-second line, captured during the phase
    const xml = readFileSync(junit, 'utf8');
    const testcase = xml.slice(xml.indexOf('name="user-clicks"'), xml.indexOf('</testcase>', xml.indexOf('name="user-clicks"')));
    expect(testcase).toMatch(/<failure[^>]*>[^<]*relay_clicks = 2/);
    expect(testcase).toMatch(/<system-out>[\s\S]*Time \d+[\s\S]*<\/system-out>/);
  }, 150_000);

  describeWithChromium('plugrig serve', () => {
    test('the stream, the record and the operator page show it failing', async () => {
      const store = join(dir, 'serve-store');
      const args = ['serve', '--rig', rigFile, '--virtual-time', '--port', '0', '--store', store, '--token', 'token-user-fail-1'];
      const { child, waitForOut, kill } = spawnPlugrig(args, { ...process.env, PLUGRIG_HOME: dir });
      const browser = await launchChromium(join(dir, 'profile'));
      try {
        const url = (await waitForOut(/^listening: (http:\/\/127\.0\.0\.1:\d+)$/m, 40_000))[1]!;
        const c = await connect(url);
        c.send({ type: 'subscribe', slot: '*' });
        c.send({ type: 'start', slot: '*', token: 'token-user-fail-1' });
        const finished = await c.next((m) => m.type === 'event' && m.event.type === 'phase.finished' && m.event.phase === 'user-clicks', 120_000);
        expect(finished.event.outcome).toBe('FAIL');
        await c.next((m) => m.type === 'event' && m.event.type === 'run.finished', 120_000);
        const events = c.messages.filter((m) => m.type === 'event').map((m) => m.event);
        expect(events.filter((e) => e.type === 'measurement' && e.phase === 'user-clicks').map((e) => [e.measurement.name, e.measurement.verdict])).toEqual([
          ['relay_clicks', 'FAIL'],
        ]);
        expect(events.some((e) => e.type === 'firmware.log' && e.phase === 'user-clicks')).toBe(true);

        const page = await openOperatorPage(browser, `${url}/#token=token-user-fail-1`);
        await page.waitForSelector('.card.fail', { timeout: 20_000 });
        expect(await page.locator('.card.fail').first().textContent()).toMatch(/user-clicks/);
        await page.close();
        c.ws.close();
      } finally {
        await browser.close();
        const closed = new Promise((r) => child.once('close', r));
        child.kill('SIGTERM');
        await closed;
        kill();
      }
      const records = spawnSync(process.execPath, [bin, 'records', '--store', store, '--json'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
      const [rec] = JSON.parse(records.stdout);
      expect(rec.outcome).toBe('FAIL');
      expect(rec.phases.find((p: { name: string }) => p.name === 'user-clicks').measurements[0]).toMatchObject({
        name: 'relay_clicks',
        value: 2,
        verdict: 'FAIL',
      });
    }, 200_000);
  });
});
