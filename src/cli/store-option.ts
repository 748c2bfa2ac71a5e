import { resolveStoreDir } from '../report/store/location.js';
import { isPgUrl } from '../report/store/pg-store.js';
import { stringOption } from './args.js';
import type { CommandIo, ParsedCommandArgs } from './command.js';

/**
 * The store directory a command uses: --store, else $PLUGRIG_HOME, else ~/.local/share/plugrig.
 * Records live in <dir>/records.sqlite (report/store/default-store.ts), backups beside it.
 * A --store postgres://… is where the station forwards to (fleet-option.ts); it keeps its own store here.
 */
export function storeDirOption(args: ParsedCommandArgs, io: Pick<CommandIo, 'env' | 'cwd'>): string {
  const given = stringOption(args, 'store');
  const store = given !== undefined && !isPgUrl(given) ? given : undefined;
  return resolveStoreDir({ ...(store ? { store } : {}), env: io.env, cwd: io.cwd });
}
