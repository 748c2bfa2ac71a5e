/**
 * One writer per store directory: a lock file holding the writer's pid. A lock left by a process
 * that no longer exists (killed with SIGKILL, power loss) is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PlugrigError } from '../../core/errors.js';

export const LOCK_FILE = 'writer.lock';

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

export async function readLockOwner(dir: string): Promise<LockOwner | undefined> {
  try {
    const v = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as Partial<LockOwner>;
    return typeof v.pid === 'number' ? { pid: v.pid, host: String(v.host ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

/** True when a live process on this host holds the writer lock. */
export async function writerActive(dir: string): Promise<boolean> {
  const owner = await readLockOwner(dir);
  return owner !== undefined && owner.host === hostname() && pidAlive(owner.pid);
}

/** Stores this process writes (a pid match alone could be a stale lock from a recycled pid). */
const heldHere = new Set<string>();

export async function acquireWriterLock(dir: string): Promise<{ release(): Promise<void> }> {
  const path = join(dir, LOCK_FILE);
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      await fh.sync();
      await fh.close();
      heldHere.add(path);
      return {
        release: async () => {
          heldHere.delete(path);
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = await readLockOwner(dir);
      const mine = owner?.pid === process.pid && owner.host === hostname();
      if (owner && (mine ? heldHere.has(path) : owner.host !== hostname() || pidAlive(owner.pid))) {
        throw new PlugrigError(
          'E_STORE_LOCKED',
          `the record store ${dir} is in use by process ${owner.pid} on ${owner.host || 'this host'}`,
          'only one plugrig run/serve may write a store at a time; stop the other one or use --store <another dir>',
        );
      }
      await unlink(path).catch(() => undefined); // stale: its writer is gone
    }
  }
  throw new PlugrigError('E_STORE_LOCKED', `could not take the writer lock of ${dir}`, 'another plugrig keeps starting; try again');
}
