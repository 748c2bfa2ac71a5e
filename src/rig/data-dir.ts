/**
 * Where a rig file's relative data paths live (a sim rig's kept flash, `sim.flashFile`):
 * $PLUGRIG_HOME, else ~/.local/share/plugrig — the same place the record store defaults to, so
 * `"flashFile": "sim/x.flash"` lands beside the records. The simulator takes its paths as given.
 */
import { homedir } from 'node:os';
import path from 'node:path';

export function rigDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLUGRIG_HOME ? path.resolve(env.PLUGRIG_HOME) : path.join(homedir(), '.local', 'share', 'plugrig');
}
