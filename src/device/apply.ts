/**
 * Applying a template to a running OpenBeken: console commands in `backlog` batches, the startup
 * command on its own (it may contain ';'), then `restart` (drivers such as BL0937 only start at
 * boot), then a read-back through /api/pins and /api/info that must match (docs/openbeken-behaviour.md §1).
 */
import { realClock, sleep, type Clock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import type { DeviceApi } from '../core/resources.js';

/** What applying needs of the device: the plan API's DeviceApi (an ObkClient also brings its clock and deadline). */
export type ApplyDevice = Pick<DeviceApi, 'info' | 'pins' | 'backlog' | 'cmnd'> & { readonly clock?: Clock; readonly timeoutMs?: number };
import { deviceRoleName, type ObkInfo, type ObkPins } from './obk-replies.js';
import { roleByName } from './roles.js';
import { formatPin, type Template } from './template.js';

/** Keep each /cm URL short: small HTTP servers on modules have small request buffers. */
const MAX_BACKLOG_CHARS = 300;

/** Pure: the console commands that make the device's pins and flags equal the template's. */
export function applyCommands(t: Template, current?: ObkPins): string[] {
  const cmds: string[] = [];
  const wanted = new Set(t.pins.map((p) => p.gpio));
  // Roles left over from an earlier configuration would survive and make the read-back differ.
  current?.roles.forEach((role, gpio) => {
    if (role !== 0 && !wanted.has(gpio)) cmds.push(`SetPinRole ${gpio} None`, `SetPinChannel ${gpio} 0`);
  });
  for (const p of t.pins) {
    cmds.push(`SetPinRole ${p.gpio} ${p.role.name}`);
    cmds.push(`SetPinChannel ${p.gpio} ${p.channel}${p.channel2 !== undefined ? ` ${p.channel2}` : ''}`);
  }
  if (t.flags !== undefined) cmds.push(`flags ${t.flags}`);
  return cmds;
}

/** Pure: the startup command as a console command, or undefined when the template has none. */
export function startupCommand(t: Template): string | undefined {
  return t.command === undefined ? undefined : `StartupCommand "${t.command}"`;
}

/** Pure: splits commands into backlog batches of bounded length. */
export function backlogBatches(cmds: string[], maxChars = MAX_BACKLOG_CHARS): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let len = 0;
  for (const c of cmds) {
    if (cur.length && len + c.length + 2 > maxChars) {
      out.push(cur);
      cur = [];
      len = 0;
    }
    cur.push(c);
    len += c.length + 2;
  }
  if (cur.length) out.push(cur);
  return out;
}

export interface PinReadback {
  gpio: number;
  /** Template spelling, or undefined for a pin the template leaves unassigned. */
  expected?: string;
  actual: string;
  ok: boolean;
}

export interface ApplyCheck {
  ok: boolean;
  pins: PinReadback[];
  flags?: { expected: string; actual: string; ok: boolean };
  startCmd?: { expected: string; actual: string; ok: boolean };
  /** One line per mismatch, naming the GPIO or field. */
  problems: string[];
}

/** Pure: compares what the device reports with the template. */
export function confirmApplied(t: Template, pins: ObkPins, info?: ObkInfo): ApplyCheck {
  const rows: PinReadback[] = [];
  const problems: string[] = [];
  const wanted = new Map(t.pins.map((p) => [p.gpio, p]));
  const gpios = new Set<number>([...wanted.keys()]);
  pins.roles.forEach((r, g) => {
    if (r !== 0) gpios.add(g);
  });
  for (const gpio of [...gpios].sort((a, b) => a - b)) {
    const p = wanted.get(gpio);
    const raw = deviceRoleName(pins, gpio);
    const name = roleByName(raw)?.name ?? raw; // canonical spelling, so equal roles print equal
    const ch = pins.channels[gpio] ?? 0;
    const ch2 = pins.channels2[gpio] ?? 0;
    if (!p) {
      const actual = `${name};${ch}`;
      rows.push({ gpio, actual, ok: false });
      problems.push(`P${gpio}: device has ${actual}, the template leaves it unassigned`);
      continue;
    }
    const expected = formatPin(p);
    const actual = formatPin({ role: { name } as never, channel: ch, ...(p.channel2 !== undefined ? { channel2: ch2 } : {}) });
    const ok = name === p.role.name && ch === p.channel && (p.channel2 === undefined || ch2 === p.channel2);
    rows.push({ gpio, expected, actual, ok });
    if (!ok) problems.push(`P${gpio}: expected ${expected}, device has ${actual}`);
  }
  const out: ApplyCheck = { ok: false, pins: rows, problems };
  if (info && t.flags !== undefined) {
    out.flags = { expected: String(t.flags), actual: String(info.flags), ok: info.flags === t.flags };
    if (!out.flags.ok) problems.push(`flags: expected ${t.flags}, device has ${info.flags}`);
  }
  if (info && t.command !== undefined && info.startCmd !== undefined) {
    out.startCmd = { expected: t.command, actual: info.startCmd, ok: info.startCmd.trim() === t.command.trim() };
    if (!out.startCmd.ok) problems.push(`startup command: expected "${t.command}", device has "${info.startCmd}"`);
  }
  out.ok = problems.length === 0;
  return out;
}

export interface ApplyOptions {
  signal?: AbortSignal;
  /** How long the device may take to come back after `restart`. */
  rebootTimeoutMs?: number;
  /** Never restart a device younger than this: early resets count towards OpenBeken's safe mode (§4). */
  minUptimeBeforeRestartS?: number;
  log?: (message: string) => void;
  /** Time source of the waits (default: the client's). */
  clock?: Clock;
  /**
   * Restart after applying (default true). False when the caller resets the unit itself right
   * after (the unit plan's reboot phase, at a safe uptime): OpenBeken saves the config at once,
   * the next boot starts the drivers, and the read-back here is of the applied config.
   */
  restart?: boolean;
}

export interface ApplyResult {
  info: ObkInfo;
  pins: ObkPins;
  check: ApplyCheck;
}

/**
 * Waits until /api/info answers with an uptime that started after `sentAtMs` (on `clock`, default
 * the client's). Bounded by timeoutMs, and by a count of looks (each costs at least its pause).
 */
export async function waitForRestart(
  client: ApplyDevice,
  sentAtMs: number,
  timeoutMs: number,
  signal?: AbortSignal,
  clock: Clock = client.clock ?? realClock,
): Promise<ObkInfo> {
  const deadline = clock.now() + timeoutMs;
  let last = 'no answer yet';
  for (let i = 0; clock.now() < deadline && i <= timeoutMs / 500 + 1; i++) {
    await sleep(clock, i === 0 ? 1000 : 500, signal, 'waiting for the device to restart');
    try {
      const info = await client.info({ retries: 0, timeoutMs: Math.min(2000, client.timeoutMs ?? 4000), ...(signal ? { signal } : {}) });
      const sinceRestartS = (clock.now() - sentAtMs) / 1000;
      if (info.uptimeS <= sinceRestartS + 1) return info;
      last = `still up for ${info.uptimeS} s`;
    } catch (e) {
      if ((e as PlugrigError).code === 'E_ABORTED' || (e as PlugrigError).code === 'E_DEVICE_HTTP_AUTH') throw e;
      last = (e as PlugrigError).code ?? String(e);
    }
  }
  throw new PlugrigError(
    'E_DEVICE_NO_RESTART',
    `the device did not come back from restart within ${timeoutMs} ms (${last})`,
    'check that it is powered and on this network; a device stuck in safe mode opens its AP instead',
  );
}

/** Applies a template, restarts, reads back. The result's check says whether the device now matches. */
export async function applyTemplate(client: ApplyDevice, t: Template, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const { signal } = opts;
  const clock = opts.clock ?? client.clock ?? realClock;
  const call = signal ? { signal } : {};
  const before = await client.info(call);
  const current = await client.pins(call);
  const cmds = applyCommands(t, current);
  for (const batch of backlogBatches(cmds)) {
    opts.log?.(`backlog: ${batch.join('; ')}`);
    await client.backlog(batch, call);
  }
  const startup = startupCommand(t);
  if (startup) {
    opts.log?.(startup);
    await client.cmnd(startup, call);
  }
  if (opts.restart === false) {
    const info = await client.info(call);
    const pins = await client.pins(call);
    return { info, pins, check: confirmApplied(t, pins, info) };
  }
  const minUp = opts.minUptimeBeforeRestartS ?? 6;
  const ageS = before.uptimeS; // it grew while we sent commands; the old value is a safe lower bound
  if (ageS < minUp) {
    opts.log?.(`device up ${ageS} s; waiting until ${minUp} s before restart (safe-mode counter)`);
    await sleep(clock, (minUp - ageS) * 1000, signal, 'waiting before restart');
  }
  opts.log?.('restart');
  const sentAt = clock.now();
  try {
    await client.cmnd('restart', { ...call, retries: 0, timeoutMs: 2000 });
  } catch (e) {
    // The device may reboot before answering; only a user's abort or refused auth stop us here.
    const code = (e as PlugrigError).code;
    if (code === 'E_ABORTED' || code === 'E_DEVICE_HTTP_AUTH') throw e;
  }
  await waitForRestart(client, sentAt, opts.rebootTimeoutMs ?? 30_000, signal, clock);
  const info = await client.info(call);
  const pins = await client.pins(call);
  return { info, pins, check: confirmApplied(t, pins, info) };
}
