import { resolveStoreDir } from '../report/store/location.js';
import { stringOption } from './args.js';
import type { CommandIo, ParsedCommandArgs } from './command.js';

/**
 * The store directory a command uses: --store, else $PLUGRIG_HOME, else ~/.local/share/plugrig.
 * Records live in <dir>/records.sqlite (report/store/default-store.ts), backups beside it.
 */
export function storeDirOption(args: ParsedCommandArgs, io: Pick<CommandIo, 'env' | 'cwd'>): string {
  const store = stringOption(args, 'store');
  return resolveStoreDir({ ...(store ? { store } : {}), env: io.env, cwd: io.cwd });
}
