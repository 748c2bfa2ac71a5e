/**
 * The backups of `units` simulated units of one product, differing only in MAC and RF calibration
 * (the simulator's factory image with each unit's TLV sector): kept in a sector-content store as the
 * backup phase keeps them, then the bytes the store takes on disk (sector files, their directories
 * and the database) against one 2 MiB file per unit. Shared by `npm run bench:backups` and the
 * records bench.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chipCrc } from '../../src/bk7231/crc.js';
import { BackupStore, backupLocation } from '../../src/report/store/backup-store.js';
import { TLV_SECTOR, writeFactoryImage, writeMacSector } from '../../src/sim/factory-image.js';

export interface BackupSizeResult {
  units: number;
  /** Bytes on disk (allocated blocks) of the whole backup store. */
  diskBytes: number;
  /** Sum of file sizes. */
  apparentBytes: number;
  sectorFiles: number;
  /** What one 2 MiB file per unit would take. */
  flatBytes: number;
  /** Disk bytes of the first unit (the product's common sectors) and of each further unit on average. */
  firstUnitBytes: number;
  perUnitBytes: number;
  keepMsP50: number;
  keepMsP99: number;
}

function usage(path: string): { disk: number; apparent: number; files: number } {
  const st = statSync(path);
  if (!st.isDirectory()) return { disk: st.blocks * 512, apparent: st.size, files: 1 };
  let disk = st.blocks * 512;
  let apparent = 0;
  let files = 0;
  for (const name of readdirSync(path)) {
    const u = usage(join(path, name));
    disk += u.disk;
    apparent += u.apparent;
    files += u.files;
  }
  return { disk, apparent, files };
}

function storeUsage(dir: string): { disk: number; apparent: number; sectorFiles: number } {
  const loc = backupLocation(dir);
  const sectors = usage(loc.dir);
  let disk = sectors.disk;
  let apparent = sectors.apparent;
  for (const f of [loc.db, `${loc.db}-wal`, `${loc.db}-shm`]) {
    try {
      const st = statSync(f);
      disk += st.blocks * 512;
      apparent += st.size;
    } catch {
      // no WAL once the last connection closed
    }
  }
  return { disk, apparent, sectorFiles: sectors.files };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export async function measureBackupSize(units = 1000, opts: { dir?: string; log?: (line: string) => void } = {}): Promise<BackupSizeResult> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'plugrig-bench-backups-'));
  const product = Buffer.alloc(0x200000, 0xff);
  writeFactoryImage(product, 'C8478C000000');
  const times: number[] = [];
  let firstUnitBytes = 0;
  try {
    let store = BackupStore.open(backupLocation(dir));
    try {
      for (let u = 0; u < units; u++) {
        const mac = `C8478C${(0x100000 + u).toString(16).toUpperCase().padStart(6, '0')}`;
        const flash = Buffer.from(product);
        writeMacSector(flash, mac);
        // The RF calibration record's 12 bytes differ from unit to unit.
        for (let i = 0; i < 12; i++) flash[TLV_SECTOR + 0x10 + i] = (u * 131 + i * 17 + ((u >> 3) ^ i)) & 0xff;
        const t0 = performance.now();
        await store.keep(flash, { mac, takenAt: Date.now(), crc: chipCrc(flash) });
        times.push(performance.now() - t0);
        if (u === 0) {
          store.close(); // the WAL is folded into the database, so the first unit's size is what stays
          firstUnitBytes = storeUsage(dir).disk;
          store = BackupStore.open(backupLocation(dir));
        }
        if ((u + 1) % 250 === 0) opts.log?.(`  ${u + 1}/${units} units kept`);
      }
    } finally {
      store.close();
    }
    const used = storeUsage(dir);
    times.sort((a, b) => a - b);
    return {
      units,
      diskBytes: used.disk,
      apparentBytes: used.apparent,
      sectorFiles: used.sectorFiles,
      flatBytes: units * 0x200000,
      firstUnitBytes,
      perUnitBytes: units > 1 ? (used.disk - firstUnitBytes) / (units - 1) : 0,
      keepMsP50: pct(times, 0.5),
      keepMsP99: pct(times, 0.99),
    };
  } finally {
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  }
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The lines a bench prints for it. */
export function describeBackupSize(r: BackupSizeResult): string[] {
  const at100k = r.firstUnitBytes + r.perUnitBytes * (100_000 - 1);
  return [
    `backups of ${r.units} simulated units (one product; MAC and RF calibration differ):`,
    `  on disk ${MB(r.diskBytes)} (${MB(r.apparentBytes)} in files, ${r.sectorFiles} sector files) vs ${MB(r.flatBytes)} as one 2 MiB file per unit: ` +
      `${(r.flatBytes / r.diskBytes).toFixed(0)}x smaller`,
    `  first unit ${MB(r.firstUnitBytes)}, each further unit ${(r.perUnitBytes / 1024).toFixed(1)} KiB; 100k units ≈ ${(at100k / 1e9).toFixed(2)} GB`,
    `  keep (read back + commit) p50 ${r.keepMsP50.toFixed(1)} ms, p99 ${r.keepMsP99.toFixed(1)} ms per unit`,
  ];
}
