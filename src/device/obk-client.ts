/**
 * The OpenBeken HTTP API as the rig uses it: console commands over /cm?cmnd=, /api/info, /api/pins.
 * Every call has a per-attempt deadline (covering the body too, so a half-answering device cannot
 * hang us) and a bounded retry; only idempotent requests are retried.
 */
import pRetry, { AbortError as StopRetry } from 'p-retry';
import { realClock, sleep, timeoutSignal, type Clock } from '../core/clock.js';
import { AbortedError, PlugrigError } from '../core/errors.js';
import type { DeviceApi } from '../core/resources.js';
import { badReply, parseEnergy, parseInfo, parseJsonText, parsePins, parsePower, type ObkEnergy, type ObkInfo, type ObkPins } from './obk-replies.js';

export interface ObkClientOptions {
  /** Base URL ("http://192.168.4.1", "host:8080"), or a function giving it (a simulated module's port may change on reboot). */
  url: string | (() => string | undefined);
  user?: string;
  password?: string;
  /** Deadline of one attempt (request + whole body), ms. */
  timeoutMs?: number;
  /** Extra attempts for idempotent requests. */
  retries?: number;
  /** Pause before the first retry, doubled for each further one. */
  retryDelayMs?: number;
  /** Time source of the deadlines and the retry pauses (default: the machine's). */
  clock?: Clock;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Override the client's retry count (0 for commands that must not run twice). */
  retries?: number;
  timeoutMs?: number;
}

export interface Calibration {
  voltage?: number;
  current?: number;
  power?: number;
}

/** Accepts "host", "host:port", "http://host[:port]/" and http://user:pass@host; returns the base and any credentials. */
export function normaliseBaseUrl(raw: string): { base: string; user?: string; password?: string } {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim()) ? raw.trim() : `http://${raw.trim()}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new PlugrigError('E_USAGE', `"${raw}" is not a URL`, 'use http://<host>[:port], e.g. http://192.168.4.1');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new PlugrigError('E_USAGE', `"${raw}": only http:// URLs are supported`, 'OpenBeken serves plain HTTP on port 80');
  }
  const creds = u.username ? { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {};
  u.username = '';
  u.password = '';
  return { base: `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`, ...creds };
}

function describeFailure(e: unknown): { code: 'E_DEVICE_HTTP_UNREACHABLE' | 'E_DEVICE_HTTP_BAD_REPLY'; text: string } {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (e as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNREFUSED') return { code: 'E_DEVICE_HTTP_UNREACHABLE', text: 'connection refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { code: 'E_DEVICE_HTTP_UNREACHABLE', text: 'host not found' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { code: 'E_DEVICE_HTTP_UNREACHABLE', text: 'host unreachable' };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || /terminated|other side closed|socket/i.test(String(cause?.message ?? (e as Error)?.message))) {
    return { code: 'E_DEVICE_HTTP_BAD_REPLY', text: 'connection closed before the reply was complete' };
  }
  return { code: 'E_DEVICE_HTTP_UNREACHABLE', text: String(cause?.message ?? (e as Error)?.message ?? e) };
}

/** Implements the plan API's DeviceApi: this is what t.device is on a rig. */
export class ObkClient implements DeviceApi {
  private readonly urlSource: string | (() => string | undefined);
  private readonly auth?: string;
  readonly timeoutMs: number;
  readonly retries: number;
  private readonly retryDelayMs: number;
  readonly clock: Clock;

  constructor(opts: ObkClientOptions) {
    this.urlSource = opts.url;
    let user = opts.user;
    let password = opts.password;
    if (typeof opts.url === 'string') {
      const n = normaliseBaseUrl(opts.url);
      this.urlSource = n.base;
      user ??= n.user;
      password ??= n.password;
    }
    if (user !== undefined || password !== undefined) {
      this.auth = `Basic ${Buffer.from(`${user ?? 'admin'}:${password ?? ''}`).toString('base64')}`;
    }
    this.timeoutMs = opts.timeoutMs ?? 4000;
    this.retries = opts.retries ?? 2;
    this.retryDelayMs = opts.retryDelayMs ?? 300;
    this.clock = opts.clock ?? realClock;
  }

  /** The current base URL; throws E_DEVICE_NO_URL when the device is not serving (yet). */
  get baseUrl(): string {
    const raw = typeof this.urlSource === 'string' ? this.urlSource : this.urlSource();
    if (!raw) {
      throw new PlugrigError(
        'E_DEVICE_NO_URL',
        'the device has no HTTP address (not booted, or no firmware with HTTP running)',
        'boot the unit with OpenBeken first, or set "deviceUrl" in the rig file',
      );
    }
    return typeof this.urlSource === 'string' ? raw : normaliseBaseUrl(raw).base;
  }

  /** DeviceApi: the base URL in use, or undefined while the unit has none. */
  url(): string | undefined {
    const raw = typeof this.urlSource === 'string' ? this.urlSource : this.urlSource();
    if (!raw) return undefined;
    return typeof this.urlSource === 'string' ? raw : normaliseBaseUrl(raw).base;
  }

  /** GET a path and parse the body as JSON. */
  async getJson(path: string, opts: CallOptions = {}): Promise<unknown> {
    const retries = opts.retries ?? this.retries;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const attempts = retries + 1;
    let url = path;
    try {
      return await pRetry(
        async () => {
          try {
            url = `${this.baseUrl}${path}`;
            return await this.attempt(url, timeoutMs, opts.signal);
          } catch (e) {
            // Stop at once for a user's abort, a missing URL, or an answer that retrying cannot change.
            const code = (e as PlugrigError).code;
            if (code === 'E_ABORTED' || code === 'E_DEVICE_HTTP_AUTH' || code === 'E_DEVICE_NO_URL' || code === 'E_DEVICE_HTTP_NOT_FOUND') {
              throw new StopRetry(e as Error);
            }
            throw e;
          }
        },
        {
          retries,
          // p-retry counts the attempts; the pause between them runs on our clock (p-retry awaits
          // onFailedAttempt before deciding, and with minTimeout 0 adds no timer of its own).
          minTimeout: 0,
          randomize: false,
          signal: opts.signal,
          onFailedAttempt: async ({ retriesConsumed, retriesLeft }) => {
            if (retriesLeft > 0) await sleep(this.clock, this.retryDelayMs * 2 ** retriesConsumed, opts.signal, `GET ${url} (retry pause)`);
          },
        },
      );
    } catch (e) {
      if (opts.signal?.aborted) throw new AbortedError(`GET ${url}`);
      if (
        e instanceof PlugrigError &&
        attempts > 1 &&
        (e.code === 'E_DEVICE_HTTP_TIMEOUT' || e.code === 'E_DEVICE_HTTP_UNREACHABLE' || e.code === 'E_DEVICE_HTTP_BAD_REPLY')
      ) {
        throw new PlugrigError(e.code, `${e.message} (gave up after ${attempts} attempts)`, e.hint, { cause: e });
      }
      throw e;
    }
  }

  private async attempt(url: string, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw new AbortedError(`GET ${url}`);
    const { signal: deadline, cancel } = timeoutSignal(this.clock, timeoutMs);
    const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.auth) headers.authorization = this.auth;
    let status = 0;
    let text: string;
    try {
      const res = await fetch(url, { headers, signal: both, redirect: 'manual' });
      status = res.status;
      text = await res.text();
    } catch (e) {
      if (signal?.aborted) throw new AbortedError(`GET ${url}`);
      if (deadline.aborted) {
        throw new PlugrigError(
          'E_DEVICE_HTTP_TIMEOUT',
          `GET ${url}: ${status ? 'reply body not complete' : 'no reply'} within ${timeoutMs} ms`,
          'is the device powered and on this network? a busy device may need a longer --timeout',
        );
      }
      const f = describeFailure(e);
      throw new PlugrigError(
        f.code,
        `GET ${url}: ${f.text}`,
        f.code === 'E_DEVICE_HTTP_UNREACHABLE'
          ? 'check the address and that the device is on this network'
          : 'the device dropped the connection; it may be rebooting',
        { cause: e },
      );
    } finally {
      cancel();
    }
    if (status === 401 || status === 403) {
      throw new PlugrigError(
        'E_DEVICE_HTTP_AUTH',
        `GET ${url}: HTTP ${status} (authentication required or refused)`,
        'pass --user and --password (OpenBeken basic auth)',
      );
    }
    if (status === 404) {
      throw new PlugrigError('E_DEVICE_HTTP_NOT_FOUND', `GET ${url}: HTTP 404`, 'is this an OpenBeken device? (no such endpoint)');
    }
    if (status < 200 || status >= 300) throw badReply(url, `HTTP ${status}`);
    return parseJsonText(text, url);
  }

  /** A console command through /cm?cmnd=… (spaces and semicolons URL-encoded). */
  command(cmnd: string, opts: CallOptions = {}): Promise<unknown> {
    return this.getJson(`/cm?cmnd=${encodeURIComponent(cmnd)}`, opts);
  }

  /** DeviceApi's name for command(). */
  cmnd(command: string, opts: CallOptions = {}): Promise<unknown> {
    return this.command(command, opts);
  }

  /** `STATUS` or `STATUS <n>`: the firmware's status JSON. */
  status(n?: number, opts: CallOptions = {}): Promise<unknown> {
    return this.command(n === undefined ? 'STATUS' : `STATUS ${n}`, opts);
  }

  async info(opts: CallOptions = {}): Promise<ObkInfo> {
    return parseInfo(await this.getJson('/api/info', opts), `${this.baseUrl}/api/info`);
  }

  async pins(opts: CallOptions = {}): Promise<ObkPins> {
    return parsePins(await this.getJson('/api/pins', opts), `${this.baseUrl}/api/pins`);
  }

  /** POWER query: key ("POWER", "POWER1"…) → on. */
  async power(opts: CallOptions = {}): Promise<Map<string, boolean>> {
    return parsePower(await this.command('POWER', opts), `${this.baseUrl}/cm?cmnd=POWER`);
  }

  /** Sets a relay channel. ON/OFF are idempotent and retried; TOGGLE is sent once. */
  async setPower(state: 'ON' | 'OFF' | 'TOGGLE', channel?: number, opts: CallOptions = {}): Promise<Map<string, boolean>> {
    const cmd = `POWER${channel ?? ''} ${state}`;
    const retries = state === 'TOGGLE' ? 0 : opts.retries;
    return parsePower(await this.command(cmd, { ...opts, ...(retries !== undefined ? { retries } : {}) }), `${this.baseUrl}/cm?cmnd=${cmd}`);
  }

  /** STATUS 8 energy readings; undefined when no metering driver runs. */
  async energy(opts: CallOptions = {}): Promise<ObkEnergy | undefined> {
    return parseEnergy(await this.command('STATUS 8', opts), `${this.baseUrl}/cm?cmnd=STATUS 8`);
  }

  /** Runs commands through `backlog` (separated by "; "). */
  async backlog(commands: string[], opts: CallOptions = {}): Promise<void> {
    if (!commands.length) return;
    await this.command(commands.length === 1 ? commands[0]! : `backlog ${commands.join('; ')}`, opts);
  }

  /**
   * Sets calibration from the real values present now (VoltageSet/CurrentSet/PowerSet divide them by
   * the last window's raw pulse count, docs/openbeken-behaviour.md §6). Each command is sent once: a repeat
   * would use a different window.
   */
  async setCalibration(cal: Calibration, opts: CallOptions = {}): Promise<void> {
    const cmds: string[] = [];
    if (cal.voltage !== undefined) cmds.push(`VoltageSet ${cal.voltage}`);
    if (cal.current !== undefined) cmds.push(`CurrentSet ${cal.current}`);
    if (cal.power !== undefined) cmds.push(`PowerSet ${cal.power}`);
    for (const c of cmds) await this.command(c, { ...opts, retries: 0 });
  }
}
