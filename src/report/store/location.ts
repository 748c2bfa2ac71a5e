import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The store directory: --store, else $PLUGRIG_HOME, else ~/.local/share/plugrig. */
export function resolveStoreDir(opts: { store?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.store) return resolve(cwd, opts.store);
  const home = (opts.env ?? process.env).PLUGRIG_HOME;
  if (home) return resolve(cwd, home);
  return join(homedir(), '.local', 'share', 'plugrig');
}
