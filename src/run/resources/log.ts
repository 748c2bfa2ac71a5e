/**
 * The firmware's log as a rig resource (core/resources.ts FirmwareLog), from one of two sources:
 * - the rig's `logUart`: the TX2 test pad (P0) on a second adapter, OpenBeken's log at 115200;
 * - with no extra wiring, OpenBeken's network log: raw lines on TCP port 9000 of the device's
 *   host, reconnected (bounded) when the firmware reboots and drops the connection.
 * Lines are split on LF (CR dropped), timestamped on the rig clock when they arrive and kept in a
 * bounded ring; waits have deadlines on the same clock.
 */
import { createConnection, type Socket } from 'node:net';
import { realClock, type Clock } from '../../core/clock.js';
import { AbortedError, PlugrigError } from '../../core/errors.js';
import type { ExpectedReboot, FirmwareLog, LogLine } from '../../core/resources.js';
import type { SerialOpener } from '../../io/types.js';

/** OpenBeken's log UART rate and network log port (docs/openbeken-behaviour.md §7.3, §7.1). */
export const LOG_BAUD = 115200;
export const NET_LOG_PORT = 9000;
export const DEFAULT_CAPACITY = 5000;
/** A line longer than this is cut (a UART at the wrong rate, or a binary blob, never sends LF). */
const MAX_LINE = 1024;
/** Expected-reboot windows kept (each power operation adds one or two). */
const MAX_WINDOWS = 200;

export interface NetLogAddress {
  host: string;
  port: number;
}

export interface FirmwareLogOptions {
  /** The rig clock: timestamps, deadlines, reconnect pauses. Default realClock. */
  clock?: Clock;
  /** The rig's log UART (read at `baudRate`, default 115200). Preferred when given. */
  uart?: SerialOpener;
  baudRate?: number;
  /** The network log's address, asked again at every (re)connect (the device may move or be down). */
  net?: () => NetLogAddress | undefined;
  /** Lines kept (default 5000); older ones are dropped, their seq numbers stay used. */
  capacity?: number;
  /** Pause between network reconnects (default 1000 ms) and how many failures in a row end the capture (default 120). */
  reconnectMs?: number;
  maxReconnects?: number;
}

export interface FirmwareLogCapture extends FirmwareLog {
  /** Why the capture stopped, when it did (the port failed, the network log never came back). */
  readonly stopped: string | undefined;
  close(): Promise<void>;
}

/** TCP 9000 on the host of the device URL (`http://192.168.4.1` → 192.168.4.1:9000). */
export function netLogFromDeviceUrl(deviceUrl: () => string | undefined, port = NET_LOG_PORT): () => NetLogAddress | undefined {
  return () => {
    const url = deviceUrl();
    if (!url) return undefined;
    try {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      return host ? { host, port } : undefined;
    } catch {
      return undefined;
    }
  };
}

/** Splits a byte stream into lines; a partial line waits for its end (or flush()). */
export class LineSplitter {
  private partial = '';
  constructor(private readonly emit: (text: string) => void) {}
  push(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.line(p);
    while (this.partial.length > MAX_LINE) {
      this.line(this.partial.slice(0, MAX_LINE));
      this.partial = this.partial.slice(MAX_LINE);
    }
  }
  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }
  private line(raw: string): void {
    const text = raw.replace(/\r/g, '').slice(0, MAX_LINE);
    if (text.trim()) this.emit(text);
  }
}

class Capture implements FirmwareLogCapture {
  readonly available = true;
  stopped: string | undefined;
  private readonly lines: LogLine[] = [];
  private seq = 0;
  private readonly listeners = new Set<(l: LogLine) => void>();
  private readonly windows: ExpectedReboot[] = [];
  private readonly closers: (() => Promise<void> | void)[] = [];
  closed = false;

  constructor(
    readonly source: string,
    readonly kind: 'uart' | 'net',
    readonly clock: Clock,
    private readonly capacity: number,
  ) {}

  add(text: string): void {
    if (this.closed) return;
    const line: LogLine = { seq: ++this.seq, tMs: this.clock.now(), text, source: this.kind };
    this.lines.push(line);
    // Trim in batches so a full ring costs O(1) per line on average.
    if (this.lines.length > this.capacity + Math.ceil(this.capacity / 4)) this.lines.splice(0, this.lines.length - this.capacity);
    for (const l of [...this.listeners]) {
      try {
        l(line);
      } catch {
        // a listener's bug must not stop the capture
      }
    }
  }

  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  mark(): number {
    return this.seq;
  }

  since(mark?: number): LogLine[] {
    const kept = this.lines.length > this.capacity ? this.lines.slice(-this.capacity) : this.lines;
    return mark === undefined ? [...kept] : kept.filter((l) => l.seq > mark);
  }

  onLine(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  expectReboot(why: string, opts: { withinMs?: number } = {}): void {
    const now = this.clock.now();
    this.windows.push({ fromMs: now, untilMs: now + (opts.withinMs ?? 10_000), why });
    if (this.windows.length > MAX_WINDOWS) this.windows.splice(0, this.windows.length - MAX_WINDOWS);
  }

  expectedReboots(): readonly ExpectedReboot[] {
    return [...this.windows];
  }

  waitFor(pattern: RegExp, opts: { timeoutMs: number; since?: number; signal?: AbortSignal }): Promise<LogLine> {
    const test = (l: LogLine) => {
      pattern.lastIndex = 0; // a /g or /y pattern keeps state between tests
      return pattern.test(l.text);
    };
    const from = opts.since ?? this.seq;
    const seen = this.since(from).find(test);
    if (seen) return Promise.resolve(seen);
    if (opts.signal?.aborted) return Promise.reject(new AbortedError(`waiting for ${pattern} in the firmware log`));
    return new Promise<LogLine>((resolve, reject) => {
      const done = () => {
        off();
        this.clock.clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const off = this.onLine((l) => {
        if (l.seq > from && test(l)) {
          done();
          resolve(l);
        }
      });
      const onAbort = () => {
        done();
        reject(new AbortedError(`waiting for ${pattern} in the firmware log`));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = this.clock.setTimeout(
        () => {
          done();
          const last = this.since(from).slice(-5);
          const tail = last.length
            ? `last lines: ${last.map((l) => l.text).join(' | ')}`
            : `no line arrived since the wait began${this.stopped ? ` (${this.stopped})` : ''}`;
          reject(
            new PlugrigError(
              'E_LOG_TIMEOUT',
              `no firmware log line matched ${pattern} within ${opts.timeoutMs} ms (${this.source})`,
              tail.length > 600 ? `${tail.slice(0, 600)}…` : tail,
            ),
          );
        },
        Math.max(0, opts.timeoutMs),
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await Promise.allSettled(this.closers.map((c) => c()));
  }
}

/** Starts capturing; resolves once the UART is open (or at once for the network log, which connects in the background). */
export async function openFirmwareLog(o: FirmwareLogOptions): Promise<FirmwareLogCapture> {
  const clock = o.clock ?? realClock;
  const capacity = Math.max(10, Math.floor(o.capacity ?? DEFAULT_CAPACITY));
  if (o.uart) {
    const cap = new Capture(`logUart ${o.uart.path}`, 'uart', clock, capacity);
    await captureUart(cap, o.uart, o.baudRate ?? LOG_BAUD);
    return cap;
  }
  if (o.net) {
    const first = o.net();
    const cap = new Capture(`net ${first ? `${first.host}:${first.port}` : `port ${NET_LOG_PORT} of the device`}`, 'net', clock, capacity);
    captureNet(cap, o.net, o.reconnectMs ?? 1000, o.maxReconnects ?? 120);
    return cap;
  }
  throw new PlugrigError('E_NO_RESOURCE', 'no firmware log source', 'give the rig a logUart (TX2, pad P0, 115200) or a device URL for the network log');
}

async function captureUart(cap: Capture, opener: SerialOpener, baudRate: number): Promise<void> {
  const port = await opener.open({ baudRate });
  const split = new LineSplitter((t) => cap.add(t));
  port.on('data', (b: Buffer) => split.push(b));
  port.on('error', (e: Error) => {
    cap.stopped ??= `log UART failed: ${e.message}`;
  });
  port.on('close', () => {
    split.flush();
    cap.stopped ??= 'log UART closed';
  });
  cap.onClose(
    () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  );
}

function captureNet(cap: Capture, address: () => NetLogAddress | undefined, reconnectMs: number, maxFailures: number): void {
  let socket: Socket | undefined;
  let timer: unknown;
  let failures = 0;
  const retry = (failed: boolean) => {
    socket = undefined;
    if (cap.closed) return;
    if (failed) failures++;
    if (failures > maxFailures) {
      cap.stopped = `network log: no connection after ${maxFailures} attempts`;
      return;
    }
    // unref'd: waiting for the firmware to come back never keeps the process (or a virtual clock) going
    timer = cap.clock.setTimeout(connect, reconnectMs);
    (timer as { unref?: () => void }).unref?.();
  };
  const connect = () => {
    timer = undefined;
    if (cap.closed) return;
    const at = address();
    if (!at) return retry(true);
    const s = createConnection({ host: at.host, port: at.port });
    socket = s;
    const split = new LineSplitter((t) => cap.add(t));
    // Only a connection that delivered lines counts as back: a rebooting device may accept and hang up.
    let heard = false;
    s.setNoDelay(true);
    s.on('data', (b: Buffer) => {
      if (!heard) failures = 0;
      heard = true;
      split.push(b);
    });
    s.on('error', () => {}); // 'close' follows and reconnects
    s.on('close', () => {
      split.flush();
      retry(!heard);
    });
    s.unref();
  };
  cap.onClose(() => {
    if (timer !== undefined) cap.clock.clearTimeout(timer);
    socket?.destroy();
  });
  connect();
}

/**
 * The rig's firmware log: its `logUart` when the rig file has one, else the network log on the
 * device URL's host (port `netPort`, default 9000).
 */
export async function openRigFirmwareLog(
  rig: { readonly clock: Clock; readonly logUart?: SerialOpener; deviceUrl(): string | undefined },
  o: Omit<FirmwareLogOptions, 'clock' | 'uart' | 'net'> & { netPort?: number } = {},
): Promise<FirmwareLogCapture> {
  const { netPort, ...rest } = o;
  if (rig.logUart) return openFirmwareLog({ ...rest, clock: rig.clock, uart: rig.logUart });
  return openFirmwareLog({ ...rest, clock: rig.clock, net: netLogFromDeviceUrl(() => rig.deviceUrl(), netPort) });
}
