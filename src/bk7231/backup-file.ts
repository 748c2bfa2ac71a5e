/**
 * Writing a backup so it can be trusted: named with the module's MAC and a content hash, written
 * to a temporary file, synced, read back and compared by SHA-256, then renamed into place.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PlugrigError } from '../core/errors.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `<MAC>_<hash8>.bin`, with the hash over the content. */
export function backupName(mac: string | undefined, data: Uint8Array): string {
  return `${(mac ?? 'unknown-mac').toUpperCase()}_${sha256(data).slice(0, 8)}.bin`;
}

const BACKUP_NAME = /^([0-9A-F]{12}|unknown-mac)_[0-9a-f]{8}\.bin$/;

/** The backup file already kept for this MAC in `dir` (by the name backupName gives), if any. */
export async function existingBackup(dir: string, mac: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const hit = names.find((n) => BACKUP_NAME.exec(n)?.[1] === mac.toUpperCase());
  return hit ? join(dir, hit) : undefined;
}

/**
 * Where the backup goes: a directory (existing, or given with a trailing '/') gets the default
 * name; `{mac}` and `{hash}` in a file name are filled in; any other name is used as given.
 */
export async function backupPath(target: string, mac: string | undefined, data: Uint8Array): Promise<string> {
  const isDir =
    target.endsWith('/') ||
    (await stat(target).then(
      (s) => s.isDirectory(),
      () => false,
    ));
  if (isDir) return join(target, backupName(mac, data));
  return target.replace(/\{mac\}/g, (mac ?? 'unknown-mac').toUpperCase()).replace(/\{hash\}/g, sha256(data).slice(0, 8));
}

export async function saveVerified(path: string, data: Uint8Array): Promise<{ path: string; sha256: string }> {
  const want = sha256(data);
  const tmp = `${path}.partial`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const back = await readFile(tmp);
    if (sha256(back) !== want)
      throw new PlugrigError('E_BACKUP_VERIFY', `backup ${path} read back differently from what was written`, 'check the disk; the backup was not kept');
    await rename(tmp, path);
    return { path, sha256: want };
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof PlugrigError) throw e;
    throw new PlugrigError('E_BACKUP_WRITE', `cannot write backup ${path}: ${(e as Error).message}`, 'check the path and free disk space', { cause: e });
  }
}
