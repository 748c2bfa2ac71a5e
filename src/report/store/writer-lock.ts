/**
 * One writer per store: a lock file holding the writer's pid and host, taken over when that process
 * is gone (SIGKILL, power loss). Both stores use it: the file store as `<dir>/writer.lock`, the
 * SQLite store as `<db>.writer` (SQLite's own locks only cover a transaction; this one covers the
 * writer's lifetime, which is what tells a reader "running" from "unfinished").
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { PlugrigError } from '../../core/errors.js';

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LockOwner {
  pid: number;
  host: string;
}

export async function readLockOwner(lockFile: string): Promise<LockOwner | undefined> {
  try {
    const v = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<LockOwner>;
    return typeof v.pid === 'number' ? { pid: v.pid, host: String(v.host ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when a live process on this host holds the writer lock. A writer on another host cannot be
 * asked; `otherHost` is what its lock counts as (the file store has always read it as gone).
 */
export async function writerActive(lockFile: string, opts: { otherHost?: boolean } = {}): Promise<boolean> {
  const owner = await readLockOwner(lockFile);
  if (!owner) return false;
  return owner.host === hostname() ? pidAlive(owner.pid) : (opts.otherHost ?? false);
}

/** Locks this process holds (a pid match alone could be a stale lock from a recycled pid). */
const heldHere = new Set<string>();

export interface WriterLockTarget {
  /** The lock file. */
  file: string;
  /** The store it guards, as the user named it (for messages). */
  store: string;
  /** What --store takes for this kind of store: 'dir' or 'path'. */
  storeArg: string;
}

export async function acquireWriterLock(target: WriterLockTarget): Promise<{ release(): Promise<void> }> {
  const { file, store } = target;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
        await fh.sync();
      } finally {
        await fh.close();
      }
      heldHere.add(file);
      return {
        release: async () => {
          heldHere.delete(file);
          await unlink(file).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PlugrigError(
          'E_STORE_OPEN',
          `cannot create the writer lock ${file}: ${(e as Error).message}`,
          'check the permissions of the store directory',
        );
      }
      const owner = await readLockOwner(file);
      const mine = owner?.pid === process.pid && owner.host === hostname();
      if (owner && (mine ? heldHere.has(file) : owner.host !== hostname() || pidAlive(owner.pid))) {
        throw new PlugrigError(
          'E_STORE_LOCKED',
          `the record store ${store} is in use by process ${owner.pid} on ${owner.host || 'this host'}`,
          `only one plugrig run/serve may write a store at a time; stop the other one or use --store <another ${target.storeArg}>`,
        );
      }
      await unlink(file).catch(() => undefined); // stale: its writer is gone
    }
  }
  throw new PlugrigError('E_STORE_LOCKED', `could not take the writer lock of ${store}`, 'another plugrig keeps starting; try again');
}
