/**
 * The sector-content backup store: sectors shared by units are kept once, erased ones not at all,
 * a unit's image comes back byte for byte, and what is wrong with a store is said in one line.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_SECTOR, BackupStore, backupLocation, decodeSectors } from '../../src/report/store/backup-store.js';
import { TLV_SECTOR, writeFactoryImage, writeMacSector } from '../../src/sim/factory-image.js';

const MiB2 = 0x200000;
const open: BackupStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function freshStore(): { dir: string; store: BackupStore } {
  const dir = mkdtempSync(join(tmpdir(), 'plugrig-bstore-'));
  const store = BackupStore.open(backupLocation(dir));
  open.push(store);
  return { dir, store };
}

/** A unit's factory flash: the same product image, its own MAC (and RF calibration bytes). */
function unitImage(mac: string, calibration = 0): Buffer {
  const flash = Buffer.alloc(MiB2, 0xff);
  writeFactoryImage(flash, mac);
  writeMacSector(flash, mac);
  flash.writeUInt32LE(calibration, TLV_SECTOR + 0x10);
  return flash;
}

const sectorFiles = (dir: string): string[] =>
  readdirSync(join(dir, 'backups', 'sectors')).flatMap((d) =>
    readdirSync(join(dir, 'backups', 'sectors', d)).map((f) => join(dir, 'backups', 'sectors', d, f)),
  );

function distinctNonBlank(...images: Buffer[]): number {
  const erased = Buffer.alloc(BACKUP_SECTOR, 0xff);
  const seen = new Set<string>();
  for (const img of images) {
    for (let a = 0; a < img.length; a += BACKUP_SECTOR) {
      const s = img.subarray(a, a + BACKUP_SECTOR);
      if (!s.equals(erased)) seen.add(s.toString('base64'));
    }
  }
  return seen.size;
}

describe('backup store', () => {
  test('two units sharing sectors store them once; erased sectors cost nothing; each comes back exactly', async () => {
    const { dir, store } = freshStore();
    const a = unitImage('C8478C000001', 0x1111);
    const b = unitImage('C8478C000002', 0x2222);
    const ka = await store.keep(a, { mac: 'C8478C000001', takenAt: 1, crc: 0x1234 });
    expect(ka.sectorsBlank).toBeGreaterThan(100);
    expect(ka.sectorsWritten).toBe(distinctNonBlank(a));
    const kb = await store.keep(b, { mac: 'c8:47:8c:00:00:02', takenAt: 2, crc: 0x5678 });
    // Only the MAC/calibration sector is new.
    expect(kb.sectorsWritten).toBe(1);
    expect(kb.bytesWritten).toBe(BACKUP_SECTOR);
    expect(sectorFiles(dir)).toHaveLength(distinctNonBlank(a, b));
    expect(sectorFiles(dir).length).toBe(ka.sectorsWritten + 1);
    // The second manifest is a delta of the first: one entry, not 512.
    const db = new Database(backupLocation(dir).db, { readonly: true });
    try {
      const row = db.prepare('SELECT base, sectors FROM backups WHERE mac = ?').get('C8478C000002') as { base: string; sectors: Buffer };
      expect(row.base).toBe('C8478C000001');
      expect(decodeSectors(row.sectors).map(([i]) => i * BACKUP_SECTOR)).toEqual([TLV_SECTOR]);
    } finally {
      db.close();
    }
    expect((await store.assemble('c8478c000001')).data.equals(a)).toBe(true);
    const back = await store.assemble('C8-47-8C-00-00-02');
    expect(back.data.equals(b)).toBe(true);
    expect(back.manifest).toMatchObject({ mac: 'C8478C000002', flashSize: MiB2, crc: 0x5678, takenAt: 2 });
    expect(store.has('c8:47:8c:00:00:02')).toBe(true);
    await expect(store.keep(b, { mac: 'C8478C000002', takenAt: 3, crc: 0 })).rejects.toMatchObject({ code: 'E_BACKUP_EXISTS' });
  });

  test('an unknown MAC: one line naming it, and how to find a unit', async () => {
    const { store } = freshStore();
    const e = (await store.assemble('C8478C0000FF').catch((x: unknown) => x)) as { code: string; message: string; hint: string };
    expect(e.code).toBe('E_BACKUP_UNKNOWN');
    expect(e.message).toMatch(/^no backup of C8:47:8C:00:00:FF in .*records\.sqlite$/);
    expect(e.message).not.toContain('\n');
    expect(e.hint).toContain('plugrig records --mac');
    // A store that was never written reads as empty, and is not created by asking.
    const nowhere = join(mkdtempSync(join(tmpdir(), 'plugrig-bstore-')), 'none');
    const empty = BackupStore.open(backupLocation(nowhere), { create: false });
    open.push(empty);
    await expect(empty.assemble('C8478C0000FF')).rejects.toMatchObject({ code: 'E_BACKUP_UNKNOWN' });
    expect(() => readdirSync(nowhere)).toThrow();
  });

  test('a missing or corrupt sector file is named; a later backup that needs it writes it again', async () => {
    const { dir, store } = freshStore();
    const a = unitImage('C8478C000011');
    const m = (await store.keep(a, { mac: 'C8478C000011', takenAt: 1, crc: 0 })).manifest;
    const tlv = store.sectorPath(m.sectors[TLV_SECTOR / BACKUP_SECTOR]!);
    rmSync(tlv);
    const missing = (await store.assemble('C8478C000011').catch((x: unknown) => x)) as Error & { code: string };
    expect(missing.code).toBe('E_BACKUP_SECTOR_MISSING');
    expect(missing.message).toBe(`sector 0x1D0000 of the backup of C8:47:8C:00:00:11: missing file ${tlv}`);
    const first = store.sectorPath(m.sectors[0]!);
    writeFileSync(first, Buffer.alloc(BACKUP_SECTOR, 0));
    const corrupt = (await store.assemble('C8478C000011').catch((x: unknown) => x)) as Error & { code: string };
    expect(corrupt.code).toBe('E_BACKUP_SECTOR_CORRUPT');
    expect(corrupt.message).toContain(first);
    expect(corrupt.message).not.toContain('\n');
    // Another unit with the same bootloader sector repairs it: every sector is read back by hash.
    const b = unitImage('C8478C000012');
    await store.keep(b, { mac: 'C8478C000012', takenAt: 2, crc: 0 });
    expect((await store.assemble('C8478C000012')).data.equals(b)).toBe(true);
    expect(sectorFiles(dir).length).toBe(distinctNonBlank(a, b) - 1); // unit 11's own sector stays missing
  });

  test('a sector that cannot be written and read back: rejected, nothing recorded for the MAC', async () => {
    const { store } = freshStore();
    const a = unitImage('C8478C000021');
    const m = (await store.keep(a, { mac: 'C8478C000021', takenAt: 1, crc: 0 })).manifest;
    // A directory where unit 22's bootloader sector file is: it cannot be replaced or read.
    const first = store.sectorPath(m.sectors[0]!);
    rmSync(first);
    mkdirSync(first);
    await expect(store.keep(unitImage('C8478C000022'), { mac: 'C8478C000022', takenAt: 2, crc: 0 })).rejects.toMatchObject({
      code: 'E_BACKUP_WRITE',
      message: expect.stringContaining(first),
    });
    expect(store.has('C8478C000022')).toBe(false);
  });
});

test('several connections on one database (slots of one serve) keep backups at the same time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugrig-bstore-'));
  const stores = Array.from({ length: 4 }, () => BackupStore.open(backupLocation(dir)));
  open.push(...stores);
  await Promise.all(stores.map((s, i) => s.keep(unitImage(`C8478C00003${i}`), { mac: `C8478C00003${i}`, takenAt: i, crc: 0 })));
  expect(stores[0]!.count()).toBe(4);
});

test('a line alternating between two products: each unit is a small delta of its own product', async () => {
  const { dir, store } = freshStore();
  const other = Buffer.alloc(MiB2, 0xff);
  writeFactoryImage(other, 'C8478C000000', 0x1234); // another product: other bootloader and app
  const productB = (mac: string) => {
    const img = Buffer.from(other);
    writeMacSector(img, mac);
    return img;
  };
  const macs = ['C8478C000041', 'C8478C000042', 'C8478C000043', 'C8478C000044'];
  await store.keep(unitImage(macs[0]!), { mac: macs[0]!, takenAt: 1, crc: 0 });
  await store.keep(productB(macs[1]!), { mac: macs[1]!, takenAt: 2, crc: 0 });
  await store.keep(unitImage(macs[2]!), { mac: macs[2]!, takenAt: 3, crc: 0 });
  await store.keep(productB(macs[3]!), { mac: macs[3]!, takenAt: 4, crc: 0 });
  const db = new Database(backupLocation(dir).db, { readonly: true });
  try {
    const rows = db.prepare('SELECT mac, base, length(sectors) AS n FROM backups ORDER BY taken_at').all();
    expect(rows).toEqual([
      { mac: macs[0], base: null, n: expect.any(Number) },
      { mac: macs[1], base: null, n: expect.any(Number) },
      { mac: macs[2], base: macs[0], n: 36 },
      { mac: macs[3], base: macs[1], n: 36 },
    ]);
  } finally {
    db.close();
  }
  expect((await store.assemble(macs[3]!)).data.equals(productB(macs[3]!))).toBe(true);
});
