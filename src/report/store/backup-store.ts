/**
 * Flash backups kept by sector content. Factory images of one product are identical but for a few
 * sectors (MAC and RF calibration, config), so a 4 KiB sector is stored once, as a file named by its
 * SHA-256 under `<dir>/sectors/<2 hex>/`, whichever units carry it; an erased (all-0xFF) sector is
 * not stored at all. What makes one unit's image is its manifest, a row of the `backups` table
 * (sqlite-schema.ts) keyed by MAC: flash size, whole-image SHA-256 and chip CRC, and the sector
 * list. The list is packed (encodeSectors) and, for most units, only the sectors that differ from
 * a full manifest of the same flash size (`base`), so a unit costs its own sectors and a few
 * hundred bytes of row.
 *
 * Trust: a sector file is written beside, fsync'ed, renamed into place and its directory fsync'ed;
 * then every sector the backup names (new or shared) is read back and its hash checked, and only
 * then is the manifest committed (synchronous=FULL). A backup that is reported kept can be
 * reassembled; reassembly checks every sector's hash and the whole image's SHA-256 again.
 *
 * The table lives in the record store's SQLite database. This class opens its own connection and
 * writes only its own table, so it runs beside a record-store writer in the same or another process
 * (SQLite serialises the transactions; busy_timeout covers the wait).
 */
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PlugrigError } from '../../core/errors.js';
import { normalizeMac } from '../../core/mac.js';
import { migrate } from './sqlite-schema.js';

export const BACKUP_SECTOR = 0x1000;
const HASH_BYTES = 32;
const ENTRY_BYTES = 4 + HASH_BYTES;
/** In a packed list, this hash marks a sector that is erased (a delta's sector that the base has data in). */
const BLANK_MARK = Buffer.alloc(HASH_BYTES, 0);
const ERASED = Buffer.alloc(BACKUP_SECTOR, 0xff);
/** A manifest is stored as a delta of a full one while at most this share of its sectors differ. */
const DELTA_SHARE = 1 / 8;
/** How many of the newest full manifests a new one is compared with. */
const RECENT_BASES = 8;

/** Where a store's backups live: the sector files, and the database holding the manifests. */
export interface BackupLocation {
  /** `<dir>/sectors/…` holds the sector files. */
  dir: string;
  /** The SQLite database with the `backups` table (the record store's). */
  db: string;
}

/** The backups of a store directory: `<store>/backups/sectors`, manifests in `<store>/records.sqlite`. */
export function backupLocation(storeDir: string): BackupLocation {
  return { dir: join(storeDir, 'backups'), db: join(storeDir, 'records.sqlite') };
}

export interface BackupManifest {
  /** 12 upper-case hex digits. */
  mac: string;
  takenAt: number;
  flashSize: number;
  /** SHA-256 (hex) of each 4 KiB sector in flash order; null for an erased one. */
  sectors: (string | null)[];
  sha256: string;
  /** The chip's CRC (CheckCRC) of the whole image, as the caller computed it. */
  crc: number;
  runId?: string;
  station?: string;
}

export interface KeepResult {
  manifest: BackupManifest;
  /** Sector files this backup added to the store. */
  sectorsWritten: number;
  /** Non-blank sectors already in the store (from other units, or repeated within this one). */
  sectorsShared: number;
  /** Erased sectors, stored as nothing. */
  sectorsBlank: number;
  /** Bytes of sector files written. */
  bytesWritten: number;
}

export interface BackupMeta {
  mac: string;
  takenAt: number;
  crc: number;
  runId?: string;
  station?: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const macDisplay = (mac: string): string => mac.replace(/(..)(?!$)/g, '$1:');
const hexAddr = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(6, '0')}`;

/** Packs (sector index, hash-or-blank) pairs: 4 bytes LE index + 32 bytes of hash (zeros = erased). */
export function encodeSectors(entries: readonly (readonly [number, string | null])[]): Buffer {
  const out = Buffer.alloc(entries.length * ENTRY_BYTES);
  entries.forEach(([index, hash], i) => {
    out.writeUInt32LE(index, i * ENTRY_BYTES);
    if (hash) out.write(hash, i * ENTRY_BYTES + 4, 'hex');
  });
  return out;
}

export function decodeSectors(packed: Uint8Array): [number, string | null][] {
  const b = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  if (b.length % ENTRY_BYTES !== 0) throw new Error(`packed sector list of ${b.length} bytes is not a whole number of entries`);
  const out: [number, string | null][] = [];
  for (let at = 0; at < b.length; at += ENTRY_BYTES) {
    const hash = b.subarray(at + 4, at + ENTRY_BYTES);
    out.push([b.readUInt32LE(at), hash.equals(BLANK_MARK) ? null : hash.toString('hex')]);
  }
  return out;
}

interface BackupRow {
  mac: string;
  taken_at: number;
  flash_size: number;
  sha256: string;
  crc: number;
  base: string | null;
  sectors: Buffer;
  run_id: string | null;
  station: string | null;
}

function macOrThrow(raw: string): string {
  const mac = normalizeMac(raw);
  if (!mac) throw new PlugrigError('E_USAGE', `"${raw}" is not a MAC address`, 'give 12 hex digits, e.g. C8:47:8C:00:00:01 or c8478c000001');
  return mac;
}

function writeError(what: string, e: unknown): PlugrigError {
  return new PlugrigError(
    'E_BACKUP_WRITE',
    `cannot write ${what}: ${(e as Error).message}`,
    'check the store directory and free disk space; the backup was not kept',
    {
      cause: e,
    },
  );
}

export class BackupStore {
  private constructor(
    readonly location: BackupLocation,
    private readonly db: Db | undefined,
  ) {}

  /**
   * Opens the store. `create: false` (restore, queries) does not create a database that is not
   * there: the store then reads as empty.
   */
  static open(location: BackupLocation, opts: { create?: boolean } = {}): BackupStore {
    if (!(opts.create ?? true) && !existsSync(location.db)) return new BackupStore(location, undefined);
    let db: Db | undefined;
    try {
      mkdirSync(dirname(location.db), { recursive: true });
      db = new Database(location.db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      // Under the write lock, so slots opening a fresh store at once do not both create the tables
      // (migrate's own transaction nests as a savepoint; it reads user_version under the lock).
      const d = db;
      d.transaction(() => migrate(d, { readOnly: false, path: location.db })).immediate();
      return new BackupStore(location, db);
    } catch (e) {
      db?.close();
      if (e instanceof PlugrigError) throw e;
      throw new PlugrigError(
        'E_STORE_OPEN',
        `cannot open the backup index ${location.db}: ${(e as Error).message}`,
        'check the store directory and its permissions',
        {
          cause: e,
        },
      );
    }
  }

  /** The sector file holding content with this hash. */
  sectorPath(hash: string): string {
    return join(this.location.dir, 'sectors', hash.slice(0, 2), hash);
  }

  /** True when a backup of this MAC (any spelling) is kept. */
  has(mac: string): boolean {
    return this.db?.prepare('SELECT 1 FROM backups WHERE mac = ?').get(macOrThrow(mac)) !== undefined;
  }

  /** The manifest kept for this MAC (any spelling), its sector list resolved; undefined when none. */
  find(mac: string): BackupManifest | undefined {
    const row = this.db?.prepare('SELECT * FROM backups WHERE mac = ?').get(macOrThrow(mac)) as BackupRow | undefined;
    return row ? this.manifestOf(row) : undefined;
  }

  /** How many backups are kept. */
  count(): number {
    return this.db ? (this.db.prepare('SELECT count(*) AS n FROM backups').get() as { n: number }).n : 0;
  }

  private manifestOf(row: BackupRow): BackupManifest {
    const n = row.flash_size / BACKUP_SECTOR;
    const sectors: (string | null)[] = new Array<string | null>(n).fill(null);
    if (row.base !== null) {
      const base = this.db!.prepare('SELECT * FROM backups WHERE mac = ?').get(row.base) as BackupRow | undefined;
      if (!base || base.base !== null || base.flash_size !== row.flash_size) {
        throw new PlugrigError(
          'E_BACKUP_CORRUPT',
          `the backup of ${macDisplay(row.mac)} refers to a base backup ${row.base} that is missing or unusable in ${this.location.db}`,
          'the backup index was edited by hand or damaged; restore the database from a copy',
        );
      }
      for (const [i, h] of decodeSectors(base.sectors)) sectors[i] = h;
    }
    for (const [i, h] of decodeSectors(row.sectors)) sectors[i] = h;
    return {
      mac: row.mac,
      takenAt: row.taken_at,
      flashSize: row.flash_size,
      sectors,
      sha256: row.sha256,
      crc: row.crc,
      ...(row.run_id !== null ? { runId: row.run_id } : {}),
      ...(row.station !== null ? { station: row.station } : {}),
    };
  }

  /**
   * Keeps `data` (the whole flash, read and CRC-checked by the caller) as the backup of `meta.mac`.
   * Resolves only once every sector is on disk, read back and hash-checked and the manifest is
   * committed; any failure rejects with nothing recorded for this MAC (sector files already
   * written stay: they are content, valid for whoever names them later).
   */
  async keep(data: Uint8Array, meta: BackupMeta): Promise<KeepResult> {
    if (!this.db) throw new Error('BackupStore opened without create cannot keep backups');
    const mac = macOrThrow(meta.mac);
    if (data.length === 0 || data.length % BACKUP_SECTOR !== 0) {
      throw new PlugrigError('E_BACKUP_SIZE', `a backup of ${data.length} bytes is not whole 4 KiB sectors`, 'back up the whole flash');
    }
    if (this.has(mac)) {
      throw new PlugrigError(
        'E_BACKUP_EXISTS',
        `a backup of ${macDisplay(mac)} is already kept in ${this.location.db}`,
        'a unit is backed up once, before its first flash',
      );
    }
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const n = buf.length / BACKUP_SECTOR;
    const sectors: (string | null)[] = [];
    const content = new Map<string, Buffer>();
    for (let i = 0; i < n; i++) {
      const bytes = buf.subarray(i * BACKUP_SECTOR, (i + 1) * BACKUP_SECTOR);
      if (bytes.equals(ERASED)) {
        sectors.push(null);
        continue;
      }
      const h = sha256(bytes);
      sectors.push(h);
      if (!content.has(h)) content.set(h, bytes);
    }
    // Nothing is reported kept until every sector it names reads back as its hash: a sector already
    // stored is read and checked here (and rewritten if it does not match), a new one after writing.
    const fresh: string[] = [];
    const touchedDirs = new Set<string>();
    for (const [h, bytes] of content) {
      if (this.sectorIntact(h)) continue;
      await this.writeSector(h, bytes, touchedDirs);
      fresh.push(h);
    }
    const written = fresh.length;
    // New names are durable only once their directory is: fsync each directory that got one.
    for (const d of touchedDirs) await fsyncDir(d);
    for (const h of fresh) {
      if (!this.sectorIntact(h)) {
        throw new PlugrigError(
          'E_BACKUP_VERIFY',
          `sector file ${this.sectorPath(h)} read back differently from what was written`,
          'check the disk; the backup was not kept',
        );
      }
    }
    const manifest: BackupManifest = {
      mac,
      takenAt: meta.takenAt,
      flashSize: buf.length,
      sectors,
      sha256: sha256(buf),
      crc: meta.crc >>> 0,
      ...(meta.runId !== undefined ? { runId: meta.runId } : {}),
      ...(meta.station !== undefined ? { station: meta.station } : {}),
    };
    this.insert(manifest);
    const blank = sectors.filter((s) => s === null).length;
    return { manifest, sectorsWritten: written, sectorsShared: n - blank - written, sectorsBlank: blank, bytesWritten: written * BACKUP_SECTOR };
  }

  /**
   * Stores the manifest as a delta of a recent full manifest of its flash size when few sectors
   * differ (the closest of the last few, so a line alternating between products still shares),
   * else in full, where it becomes a base for the units after it.
   */
  private insert(m: BackupManifest): void {
    const db = this.db!;
    try {
      db.transaction(() => {
        const bases = db
          .prepare('SELECT * FROM backups WHERE base IS NULL AND flash_size = ? ORDER BY taken_at DESC LIMIT ?')
          .all(m.flashSize, RECENT_BASES) as BackupRow[];
        let base: string | null = null;
        let entries: [number, string | null][] = m.sectors.flatMap((h, i) => (h === null ? [] : [[i, h] as [number, string]]));
        for (const row of bases) {
          const baseSectors = this.manifestOf(row).sectors;
          const delta = m.sectors.flatMap((h, i) => (h === baseSectors[i] ? [] : [[i, h] as [number, string | null]]));
          if (delta.length <= m.sectors.length * DELTA_SHARE && (base === null || delta.length < entries.length)) {
            base = row.mac;
            entries = delta;
          }
        }
        db.prepare(
          `INSERT INTO backups (mac, taken_at, flash_size, sha256, crc, base, sectors, run_id, station)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(m.mac, m.takenAt, m.flashSize, m.sha256, m.crc, base, encodeSectors(entries), m.runId ?? null, m.station ?? null);
      }).immediate();
    } catch (e) {
      // Another process kept this MAC between our check and our commit.
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new PlugrigError(
          'E_BACKUP_EXISTS',
          `a backup of ${macDisplay(m.mac)} is already kept in ${this.location.db}`,
          'a unit is backed up once, before its first flash',
        );
      }
      throw writeError(`the backup index ${this.location.db}`, e);
    }
  }

  /**
   * Synchronous on purpose: a backup checks a few hundred 4 KiB files, which takes ~3 ms read
   * synchronously and ten times that through the thread pool, where each read is several requests.
   */
  private sectorIntact(h: string): boolean {
    let got: Buffer;
    try {
      got = readFileSync(this.sectorPath(h));
    } catch {
      return false;
    }
    return got.length === BACKUP_SECTOR && sha256(got) === h;
  }

  /** Beside, fsync, rename: a crash leaves the old file or the new one, never half of one. */
  private async writeSector(h: string, bytes: Buffer, touchedDirs: Set<string>): Promise<void> {
    const path = this.sectorPath(h);
    const dir = dirname(path);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const made = await mkdir(dir, { recursive: true });
      if (made) touchedDirs.add(dirname(dir));
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      touchedDirs.add(dir);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw writeError(`sector file ${path}`, e);
    }
  }

  /**
   * The image of `mac` (any spelling), reassembled from its sectors: every sector file checked
   * against its hash, the whole against the manifest's SHA-256.
   */
  async assemble(mac: string): Promise<{ manifest: BackupManifest; data: Buffer }> {
    const key = macOrThrow(mac);
    const manifest = this.find(key);
    if (!manifest) {
      throw new PlugrigError(
        'E_BACKUP_UNKNOWN',
        `no backup of ${macDisplay(key)} in ${this.location.db}`,
        'plugrig records --mac <MAC> shows a unit tested here, and `plugrig records` lists them; units are backed up by plugrig run/serve or plugrig backup',
      );
    }
    const data = Buffer.alloc(manifest.flashSize, 0xff);
    for (let i = 0; i < manifest.sectors.length; i++) {
      const h = manifest.sectors[i];
      if (!h) continue;
      const path = this.sectorPath(h);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new PlugrigError(
          code === 'ENOENT' ? 'E_BACKUP_SECTOR_MISSING' : 'E_BACKUP_SECTOR_READ',
          `sector ${hexAddr(i * BACKUP_SECTOR)} of the backup of ${macDisplay(key)}: ${code === 'ENOENT' ? 'missing file' : (e as Error).message} ${path}`,
          'the sector store was damaged; copy the file back from another station or a copy of the store',
        );
      }
      if (bytes.length !== BACKUP_SECTOR || sha256(bytes) !== h) {
        throw new PlugrigError(
          'E_BACKUP_SECTOR_CORRUPT',
          `sector ${hexAddr(i * BACKUP_SECTOR)} of the backup of ${macDisplay(key)}: ${path} does not match its hash`,
          'the sector store was damaged; copy the file back from another station or a copy of the store',
        );
      }
      bytes.copy(data, i * BACKUP_SECTOR);
    }
    if (sha256(data) !== manifest.sha256) {
      throw new PlugrigError(
        'E_BACKUP_CORRUPT',
        `the backup of ${macDisplay(key)} reassembles to an image whose SHA-256 differs from its manifest`,
        'the backup index was damaged; nothing was written to the unit',
      );
    }
    return { manifest, data };
  }

  close(): void {
    this.db?.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw writeError(`directory ${dir}`, e);
  }
}
