/**
 * The few file operations the GPIO and PWM backends do on sysfs. Injected so tests can point them
 * at a fake kernel (the same one onoff's own `fs` is redirected to).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';

export interface SysfsAccess {
  readdir(path: string): string[];
  read(path: string): string;
  write(path: string, data: string): void;
  exists(path: string): boolean;
  /** Resolved target of a symlink chain (for pwmchipN/device). */
  realpath(path: string): string;
}

export const nodeSysfs: SysfsAccess = {
  readdir: (p) => readdirSync(p),
  read: (p) => readFileSync(p, 'utf8'),
  write: (p, d) => writeFileSync(p, d),
  exists: (p) => existsSync(p),
  realpath: (p) => realpathSync(p),
};

/** Where /sys/class lives: PLUGRIG_SYSFS_ROOT (a fake tree for dry checks) or the real one. */
export function sysClassRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLUGRIG_SYSFS_ROOT || '/sys/class';
}
