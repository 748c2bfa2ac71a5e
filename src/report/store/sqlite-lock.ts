/**
 * One writer per SQLite store: a lock file `<db>.writer` holding the writer's pid and host, taken
 * over when that process is gone (SIGKILL, power loss). SQLite's own locks only cover a transaction;
 * this one covers the writer's lifetime, which is what tells a reader "running" from "unfinished"
 * and lets a new writer mark the dead one's runs unfinished without racing a live one.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { PlugrigError } from '../../core/errors.js';
import { pidAlive } from './writer-lock.js';

export const lockPath = (dbPath: string): string => `${dbPath}.writer`;

interface Owner {
  pid: number;
  host: string;
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    return typeof v.pid === 'number' ? { pid: v.pid, host: String(v.host ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

/** True when a live process on this host (or any process on another host) holds the writer lock. */
export async function sqliteWriterActive(dbPath: string): Promise<boolean> {
  const owner = await readOwner(lockPath(dbPath));
  if (!owner) return false;
  return owner.host !== hostname() || pidAlive(owner.pid);
}

/** Locks this process holds (a pid match alone could be a stale lock from a recycled pid). */
const heldHere = new Set<string>();

export async function acquireSqliteWriterLock(dbPath: string): Promise<{ release(): Promise<void> }> {
  const path = lockPath(dbPath);
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
        await fh.sync();
      } finally {
        await fh.close();
      }
      heldHere.add(path);
      return {
        release: async () => {
          heldHere.delete(path);
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PlugrigError(
          'E_STORE_OPEN',
          `cannot create the writer lock ${path}: ${(e as Error).message}`,
          'check the permissions of the store directory',
        );
      }
      const owner = await readOwner(path);
      const mine = owner?.pid === process.pid && owner.host === hostname();
      if (owner && (mine ? heldHere.has(path) : owner.host !== hostname() || pidAlive(owner.pid))) {
        throw new PlugrigError(
          'E_STORE_LOCKED',
          `the record store ${dbPath} is in use by process ${owner.pid} on ${owner.host || 'this host'}`,
          'only one plugrig run/serve may write a store at a time; stop the other one or use --store <another path>',
        );
      }
      await unlink(path).catch(() => undefined); // stale: its writer is gone
    }
  }
  throw new PlugrigError('E_STORE_LOCKED', `could not take the writer lock of ${dbPath}`, 'another plugrig keeps starting; try again');
}
