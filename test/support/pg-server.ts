/**
 * A throwaway PostgreSQL for tests: `initdb` in a temp dir, `pg_ctl start` on a free local port,
 * trust auth, no fsync. Runs as the `postgres` user when the test runs as root (postgres refuses
 * root). `pgBinDir()` is undefined when the binaries are absent, so a suite can skip, saying why.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { type ThrowawayServer, throwawayServer } from './throwaway-server.js';

const run = promisify(execFile);

/** Debian's /usr/lib/postgresql/<major>/bin (newest), else a PATH with initdb, else undefined. */
export function pgBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((d) => existsSync(join(root, d, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0]) return join(root, majors[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb'))) return dir;
  return undefined;
}

export type PgServer = ThrowawayServer;

export async function startPgServer(): Promise<PgServer> {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL binaries (initdb, pg_ctl) not found');
  const dir = await mkdtemp(join(tmpdir(), 'plugrig-pg-'));
  const asRoot = userInfo().uid === 0;
  const user = 'plugrig';
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const sh = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  const data = join(dir, 'data');
  await sh('initdb', ['-D', data, '-U', user, '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = async () => {
    await sh('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await sh('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() => undefined);
  };
  return throwawayServer({ url: `postgres://${user}@127.0.0.1:${port}/postgres`, port, start, stop, dir });
}
