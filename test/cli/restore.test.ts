/**
 * plugrig backup (into the store), flash --backup and restore <MAC> end to end on a simulated rig
 * whose flash is kept in a file, in virtual time: a unit's exact flash comes back, CRC-verified;
 * what cannot be restored, or backed up, is said in one line and nothing is erased.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { BackupStore, backupLocation } from '../../src/report/store/backup-store.js';
import { PACKAGE_ROOT } from '../../src/rig/config.js';
import { cli } from './run-cli.js';
import type { RunRecord } from '../../src/core/record.js';

const dir = mkdtempSync(join(tmpdir(), 'plugrig-restore-'));
const clock = new VirtualClock();

/** A fast simulated rig with its own MAC, its flash kept in `<dir>/<name>.flash` between commands. */
function rigFile(name: string, mac: string): { rig: string; flash: string } {
  const json = JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'rigs/sim.json'), 'utf8'));
  const flash = join(dir, `${name}.flash`);
  const rig = join(dir, `${name}.json`);
  writeFileSync(
    rig,
    JSON.stringify({ ...json, device: resolve(PACKAGE_ROOT, json.device), sim: { timing: 'fast', mac, flashFile: flash, path: `sim:${name}` } }),
  );
  return { rig, flash };
}

const oneLine = (err: string) => err.trim().split('\n');

/** A store that cannot keep a backup: a file stands where the sector directory should be. */
function blockedStore(name: string): string {
  const store = join(dir, name);
  mkdirSync(join(store, 'backups'), { recursive: true });
  writeFileSync(join(store, 'backups', 'sectors'), 'not a directory');
  return store;
}

/** A unit whose flash is on disk (a first backup to a file has read it) beside a store that cannot keep its backup. */
async function sabotaged(name: string, mac: string): Promise<{ u: { rig: string; flash: string }; blocked: string; before: Buffer }> {
  const u = rigFile(name, mac);
  const blocked = blockedStore(`${name}-store`);
  expect((await cli(['backup', join(dir, `${name}-before.bin`), '--rig', u.rig, '--no-reboot'], { clock })).code).toBe(0);
  return { u, blocked, before: readFileSync(u.flash) };
}

describe('plugrig restore', () => {
  const store = join(dir, 'store');
  const unit = rigFile('unit', 'C8478C123456');

  test("backup, flash over it, restore <MAC>: the unit's exact flash is back, CRC-verified", async () => {
    const b = await cli(['backup', '--rig', unit.rig, '--store', store, '--json', '--no-reboot'], { clock });
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    expect(JSON.parse(b.out)).toMatchObject({ mac: 'C8478C123456', kept: true });
    const factory = readFileSync(unit.flash);
    // Backed up once: a second backup of the MAC reads nothing.
    const again = await cli(['backup', '--rig', unit.rig, '--store', store, '--json', '--no-reboot'], { clock });
    expect(JSON.parse(again.out)).toMatchObject({ kept: false, sectorsNew: 0 });

    const img = join(dir, 'app.bin');
    writeFileSync(img, generateTestImage({ size: 128 * 1024, seed: 5 }));
    const f = await cli(['flash', img, '--offset', '0', '--rig', unit.rig, '--no-reboot', '--json'], { clock });
    expect(f.code).toBe(0);
    expect(readFileSync(unit.flash).equals(factory)).toBe(false);

    const r = await cli(['restore', 'c8-47-8c-12-34-56', '--rig', unit.rig, '--store', store, '--json', '--no-reboot'], { clock });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ mac: 'C8478C123456', verified: true, bytes: 0x200000 });
    expect(readFileSync(unit.flash).equals(factory)).toBe(true);
  }, 120_000);

  test('an unknown MAC: one line, naming how to find one; nothing opened', async () => {
    const r = await cli(['restore', 'C8:47:8C:00:00:99', '--rig', unit.rig, '--store', store], { clock });
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toHaveLength(1);
    expect(r.err).toMatch(/^E_BACKUP_UNKNOWN: no backup of C8:47:8C:00:00:99 in .*plugrig records --mac/);
    const bad = await cli(['restore', 'not-a-mac', '--store', store], { clock });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^E_USAGE/);
  });

  test('a missing sector file is named; a unit whose flash size differs, or with another MAC, is refused', async () => {
    // A 4 MiB backup under another MAC, and a copy of the unit's backup with one sector file gone.
    const loc = backupLocation(store);
    const s = BackupStore.open(loc);
    let tlvFile: string;
    try {
      const big = Buffer.alloc(0x400000, 0xff);
      big.write('bigger flash', 0x1000);
      await s.keep(big, { mac: 'C8478C0BB16F', takenAt: 1, crc: 0 });
      const m = s.find('C8478C123456')!;
      tlvFile = s.sectorPath(m.sectors[0x1d0000 / 0x1000]!);
    } finally {
      s.close();
    }
    const size = await cli(['restore', 'C8478C0BB16F', '--rig', unit.rig, '--store', store, '--json'], { clock });
    expect(oneLine(size.err)).toHaveLength(1);
    expect(size.err).toMatch(/^E_RESTORE_FLASH_SIZE: the unit's flash is 2048 KiB, the backup of C8:47:8C:0B:B1:6F is 4096 KiB/);

    const other = rigFile('other', 'C8478C654321');
    const o = await cli(['restore', 'C8478C123456', '--rig', other.rig, '--store', store, '--no-reboot', '--json'], { clock });
    expect(oneLine(o.err)).toHaveLength(1);
    expect(o.code).toBe(1);
    expect(o.err).toMatch(/^E_RESTORE_OTHER_UNIT: the unit on .* is C8:47:8C:65:43:21, the backup is of C8:47:8C:12:34:56/);

    const moved = `${tlvFile}.moved`;
    const { renameSync } = await import('node:fs');
    renameSync(tlvFile, moved);
    try {
      const r = await cli(['restore', 'C8478C123456', '--rig', unit.rig, '--store', store], { clock });
      expect(r.code).toBe(1);
      expect(oneLine(r.err)).toHaveLength(1);
      expect(r.err).toContain(`E_BACKUP_SECTOR_MISSING: sector 0x1D0000 of the backup of C8:47:8C:12:34:56: missing file ${tlvFile}`);
    } finally {
      renameSync(moved, tlvFile);
    }
  }, 120_000);

  test('flash --backup that cannot keep its backup: nothing is erased', async () => {
    const { u, blocked, before } = await sabotaged('sabotaged', 'C8478C777777');
    const img = join(dir, 'app2.bin');
    writeFileSync(img, generateTestImage({ size: 96 * 1024, seed: 6 }));
    const f = await cli(['flash', img, '--offset', '0', '--backup', '--store', blocked, '--rig', u.rig, '--no-reboot', '--json'], { clock });
    expect(oneLine(f.err)).toHaveLength(1);
    expect(f.code).toBe(1);
    expect(f.err).toMatch(/^E_BACKUP_WRITE: cannot write sector file /);
    expect(readFileSync(u.flash).equals(before)).toBe(true);
  }, 120_000);

  test('the backup phase of plugrig run that cannot keep its backup: ERROR, and the flash phase never runs', async () => {
    const { u, blocked, before } = await sabotaged('run-sabotaged', 'C8478C888888');
    const r = await cli(['run', '--rig', u.rig, '--store', blocked, '--json', '--virtual-time'], { clock });
    expect(r.code).not.toBe(0);
    const rec = JSON.parse(r.out) as RunRecord;
    const phase = (name: string) => rec.phases.find((p) => p.name === name);
    expect(phase('backup')).toMatchObject({ outcome: 'ERROR', error: { code: 'E_BACKUP_WRITE' } });
    expect(phase('flash')?.outcome ?? 'not run').not.toBe('PASS');
    expect(readFileSync(u.flash).equals(before)).toBe(true);
  }, 120_000);
});
