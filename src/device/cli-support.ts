/**
 * What the configure/status/test commands share: the HTTP client from CLI options, and the
 * template (found relative to the working directory, else the package's hardware/), checked
 * against its module's pads.
 */
import type { Clock } from '../core/clock.js';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { PlugrigError } from '../core/errors.js';
import { DEFAULT_HARDWARE_DIR, modulePadsForBoard } from './module-pads.js';
import { ObkClient } from './obk-client.js';
import { checkTemplateAgainstModule, loadTemplateFile, type Template } from './template.js';

export const DEFAULT_TEMPLATE = 'hardware/devices/rmc021.json';

/** Loads a template; the default one also resolves inside the package when the cwd has no hardware/. */
export async function loadDeviceTemplate(file: string | undefined, cwd: string, warn?: (m: string) => void): Promise<Template> {
  let resolved = path.resolve(cwd, file ?? DEFAULT_TEMPLATE);
  if (!file) {
    try {
      await access(resolved);
    } catch {
      resolved = path.join(DEFAULT_HARDWARE_DIR, 'devices', path.basename(DEFAULT_TEMPLATE));
    }
  }
  const t = await loadTemplateFile(resolved);
  if (t.board) {
    try {
      checkTemplateAgainstModule(t, await modulePadsForBoard(t.board));
    } catch (e) {
      if ((e as PlugrigError).code !== 'E_MODULE_NOT_FOUND') throw e;
      warn?.(`note: no pad map for board ${t.board} in hardware/modules/; the template's pins were not checked against the module`);
    }
  }
  return t;
}

/** A client from --url/--user/--password/--timeout; --url is required. */
export function clientFromOptions(o: { url?: string; user?: string; password?: string; timeoutMs?: number; retries?: number; clock?: Clock }): ObkClient {
  if (!o.url) throw new PlugrigError('E_USAGE', '--url is required', 'e.g. --url http://192.168.4.1');
  if (o.password !== undefined && o.user === undefined) o.user = 'admin';
  return new ObkClient({
    url: o.url,
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.retries !== undefined ? { retries: o.retries } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  });
}
