/**
 * Simulated runs never pass as real units (issue 11 item 2), and the simulator's newcomer paths
 * (item 3): `sim --write-image`, `test` on the fresh simulated rig.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordsTable } from '../../src/cli/commands/records.js';
import { isSimulatedRun, type RunRecord } from '../../src/core/record.js';
import { describeImage } from '../../src/bk7231/image.js';
import { createSimModule } from '../../src/sim/index.js';
import { Station } from '../../src/station/station.js';
import { startServe } from '../../src/station/serve-app.js';
import { simulatedRunFactory } from '../../src/run/simulated-plan.js';
import { connect } from '../report/ws-client.js';
import { cli } from './run-cli.js';

let dir: string;
let home: string | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plugrig-simruns-'));
  home = process.env.PLUGRIG_HOME;
  process.env.PLUGRIG_HOME = join(dir, 'home');
});
afterAll(() => {
  if (home === undefined) delete process.env.PLUGRIG_HOME;
  else process.env.PLUGRIG_HOME = home;
  rmSync(dir, { recursive: true, force: true });
});

describe('simulated runs are marked', () => {
  test('a run on the simulated rig records rigKind sim and a locally administered MAC', async () => {
    const r = await cli(['run', '--rig', 'rigs/sim.json', '--virtual-time', '--json']);
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.out) as RunRecord;
    expect(rec.rigKind).toBe('sim');
    expect(isSimulatedRun(rec)).toBe(true);
    expect(rec.unit.mac?.replace(/:/g, '').toUpperCase()).toMatch(/^025A4D/);
  }, 120_000);

  test("the simulated module's default MAC is locally administered and unicast, whatever the seed", async () => {
    for (const seed of [1, 2, 99]) {
      const m = createSimModule({ seed });
      try {
        const first = Number.parseInt(m.mac.slice(0, 2), 16);
        expect([m.mac, first & 0x02, first & 0x01]).toEqual([m.mac, 0x02, 0]);
      } finally {
        await m.close();
      }
    }
  });

  test('a simulated slot whose run fails to prepare is still recorded as simulated', async () => {
    const station = new Station({
      slots: [{ slot: 's0', rig: 'sim', rigKind: 'sim' }],
      factory: () => Promise.reject(new Error('rig file broken')),
      sinks: [],
    });
    try {
      station.start('s0');
      const rec = await station.whenDone('s0');
      expect([rec?.outcome, rec?.rigKind]).toEqual(['ERROR', 'sim']);
    } finally {
      await station.close();
    }
  });

  test.each([
    ['model', 1],
    ['pi', 0],
  ] as const)('serve: a station of %s slots counts %i simulated PASS in the day', async (rigKind, passed) => {
    const app = await startServe({
      slots: [{ slot: 's0', rig: 'r', rigKind }],
      factory: simulatedRunFactory({ timeScale: 0.01, imageBytes: 64 * 1024 }),
      storeDir: join(dir, `store-${rigKind}`),
      port: 0,
    });
    try {
      app.station.start('s0');
      expect((await app.station.whenDone('s0'))?.rigKind).toBe('model');
      const c = await connect(app.url);
      c.send({ type: 'watch' });
      expect((await c.next((m) => m.type === 'slots')).counters).toMatchObject({ passed, failed: 0 });
      c.ws.terminate();
    } finally {
      await app.close();
    }
  });

  test('plugrig records shows the rig kind of every row', () => {
    const base = {
      runId: 'r',
      slot: 's',
      rig: 'x',
      plan: [],
      unit: {},
      status: 'finished',
      outcome: 'PASS',
      startedAt: 0,
      phases: [],
      artifacts: [],
      lastSeq: 1,
      warnings: 0,
    } as RunRecord;
    const [head, sim, model, real, old] = recordsTable([{ ...base, rigKind: 'sim' }, { ...base, rigKind: 'model' }, { ...base, rigKind: 'pi' }, base]);
    expect(head).toMatch(/rig kind/);
    const col = head!.indexOf('rig kind');
    expect([sim, model, real, old].map((l) => l!.slice(col).split(/\s{2,}/)[0])).toEqual(['SIM', 'SIM model', 'real', '-']);
  });
});

describe('the simulator for newcomers', () => {
  test('sim --write-image saves the OpenBeken test image, alone', async () => {
    const r = await cli(['sim', '--write-image', 'fw.bin'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^image: .*fw\.bin .*plugrig flash fw\.bin --rig rigs\/sim-kept\.json/);
    const image = describeImage('fw.bin', readFileSync(join(dir, 'fw.bin')));
    expect(readFileSync(join(dir, 'fw.bin')).includes('OpenBK7231N_')).toBe(true);
    expect([image.data.length, image.defaultOffset]).toEqual([640 * 1024, 0]);
  });

  test('sim with nothing to do says which options exist', async () => {
    const r = await cli(['sim']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--pty, --http or --write-image/);
  });

  test('test on rigs/sim.json explains the factory image at once and names rigs/sim-kept.json', async () => {
    const t0 = Date.now();
    const r = await cli(['test', '--rig', 'rigs/sim.json']);
    expect(Date.now() - t0).toBeLessThan(5000); // not the 20 s device deadline
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^E_SIM_NOT_FLASHED: .*factory image.*rigs\/sim-kept\.json/m);
  });
});
