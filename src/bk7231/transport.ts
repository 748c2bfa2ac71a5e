/**
 * Request/reply over one serial stream. One persistent 'data' listener feeds the reply parser
 * (a flowing stream without a listener loses bytes); requests may be pipelined and are answered
 * in order. Each request's deadline is the wire time of everything queued ahead of it plus its
 * own command time plus a margin (docs/bk7231n-download-protocol.md §11.1). A 'close' or 'error' of the port — or the
 * watchdog finding the device gone, since serialport may emit nothing on unplug
 * (docs/raspberry-pi-io.md §3.4) — turns every pending and later call into E_PORT_GONE.
 */
import type { SerialPortStream } from '@serialport/stream';
import { realClock, sleep as clockSleep, type Clock, type ClockTimer } from '../core/clock.js';
import { AbortedError, PlugrigError } from '../core/errors.js';
import { type Reply, type ReplyMatcher, ReplyParser, matches } from './frames.js';
import type { FrameTrace } from './trace.js';

export interface TransportOptions {
  /** Added to every computed deadline (≥ 200 ms per §11.1). */
  marginMs?: number;
  /** Polled every `intervalMs`; false means the device is gone (unplugged adapter). */
  alive?: () => boolean | Promise<boolean>;
  watchdogIntervalMs?: number;
  /** Initial line speed (the port's open speed). */
  baudRate: number;
  /** Deadlines, the watchdog and every wait of the session run on it (default realClock). */
  clock?: Clock;
  /** Sees every frame sent and received, baud changes and notes (`--trace`). */
  trace?: FrameTrace;
}

export interface RequestOptions {
  /** Time the chip needs for the command itself (erase, program, CRC), in ms. */
  opMs?: number;
  /** Expected reply length in bytes (for its wire time). */
  replyBytes?: number;
  /** Overrides the transport's margin for this request (short probes). */
  marginMs?: number;
  signal?: AbortSignal;
}

interface Waiter {
  matcher: ReplyMatcher;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  timer: ClockTimer;
  cleanup: () => void;
}

export class Transport {
  readonly parser = new ReplyParser();
  baudRate: number;
  readonly clock: Clock;
  readonly trace?: FrameTrace;
  /** Frames that matched no waiter (stale link replies, replies to abandoned requests). */
  staleFrames = 0;
  private waiters: Waiter[] = [];
  private gone?: PlugrigError;
  private busyUntil = 0;
  private readonly marginMs: number;
  private readonly watchdog?: ClockTimer;
  private readonly onData = (d: Buffer) => this.feed(d);
  private readonly onClose = (err?: Error | null) => this.fail(this.goneError(err ?? undefined));
  private readonly onError = (err: Error) => this.fail(this.goneError(err));
  private frameTaps = new Set<(r: Reply) => void>();
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(
    readonly port: SerialPortStream,
    opts: TransportOptions,
  ) {
    this.baudRate = opts.baudRate;
    this.clock = opts.clock ?? realClock;
    if (opts.trace) this.trace = opts.trace;
    this.marginMs = opts.marginMs ?? 250;
    port.on('data', this.onData);
    port.on('close', this.onClose);
    port.on('error', this.onError);
    if (opts.alive) {
      const alive = opts.alive;
      let checking = false;
      this.watchdog = this.clock.setInterval(() => {
        if (checking || this.gone) return;
        checking = true;
        Promise.resolve()
          .then(alive)
          .then((ok) => {
            if (!ok && !this.gone) {
              this.fail(this.goneError(new Error('device disappeared')));
              if (!port.destroyed) port.destroy();
            }
          })
          .catch(() => undefined)
          .finally(() => (checking = false));
      }, opts.watchdogIntervalMs ?? 400);
      this.watchdog.unref();
    }
  }

  get path(): string {
    return this.port.path;
  }

  get isGone(): boolean {
    return this.gone !== undefined;
  }

  /** Wire time of `bytes` at the current speed (10 bits per byte, 8N1), in ms. */
  wireMs(bytes: number): number {
    return (bytes * 10 * 1000) / this.baudRate;
  }

  /** Sends bytes that expect no reply (link spam, reboot). */
  write(frame: Buffer): void {
    if (this.gone) throw this.gone;
    const now = this.clock.now();
    this.busyUntil = Math.max(now, this.busyUntil) + this.wireMs(frame.length);
    this.trace?.sent(frame);
    this.port.write(frame);
  }

  /** Sends a command and resolves with its reply; may be called again before it settles (pipelining). */
  request(frame: Buffer, matcher: ReplyMatcher, opts: RequestOptions = {}): Promise<Reply> {
    if (this.gone) return Promise.reject(this.gone);
    if (opts.signal?.aborted) return Promise.reject(new AbortedError(matcher.what));
    const now = this.clock.now();
    const due = Math.max(now, this.busyUntil) + this.wireMs(frame.length) + (opts.opMs ?? 0) + this.wireMs(opts.replyBytes ?? 16);
    this.busyUntil = due;
    const p = this.await(matcher, due - now + (opts.marginMs ?? this.marginMs), opts.signal);
    this.trace?.sent(frame);
    this.port.write(frame);
    return p;
  }

  /** Waits for a reply that no request of ours announced (link-check answers during spam). */
  await(matcher: ReplyMatcher, timeoutMs: number, signal?: AbortSignal): Promise<Reply> {
    if (this.gone) return Promise.reject(this.gone);
    if (signal?.aborted) return Promise.reject(new AbortedError(matcher.what));
    if (signal) this.watchSignal(signal);
    return new Promise<Reply>((resolve, reject) => {
      const w: Waiter = {
        matcher,
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          this.remove(w);
          reject(
            new PlugrigError(
              'E_REPLY_TIMEOUT',
              `no reply to ${matcher.what} within ${Math.round(timeoutMs)} ms (${this.parser.received} bytes received so far)`,
              'the chip stopped answering: check the 3.3 V supply (brown-out) and the UART wiring, or try a lower --baud',
            ),
          );
        }, timeoutMs),
        cleanup: () => undefined,
      };
      this.waiters.push(w);
    });
  }

  /** One listener per signal (not one per request): an abort rejects everything outstanding. */
  private watchSignal(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener('abort', () => this.abandonPending(new AbortedError('flash operation')), { once: true });
  }

  /** Listens to every parsed frame (link diagnosis). Returns an unsubscribe. */
  tap(cb: (r: Reply) => void): () => void {
    this.frameTaps.add(cb);
    return () => this.frameTaps.delete(cb);
  }

  /** Waits until the line has been quiet for `quietMs` (at most `maxMs`), then forgets what came. */
  async drainInput(quietMs = 10, maxMs = 100): Promise<void> {
    const start = this.clock.now();
    let last = this.parser.received;
    let lastChange = this.clock.now();
    while (this.clock.now() - start < maxMs) {
      await clockSleep(this.clock, Math.min(quietMs, 5));
      if (this.parser.received !== last) {
        last = this.parser.received;
        lastChange = this.clock.now();
      } else if (this.clock.now() - lastChange >= quietMs) break;
    }
    this.parser.reset();
    this.busyUntil = this.clock.now();
  }

  /** Waits until everything written has left the host. */
  drain(): Promise<void> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) => this.port.drain((err) => (err ? reject(this.goneError(err)) : resolve())));
  }

  /** Changes the host side's speed (after drain); bytes in flight at the old speed are dropped. */
  async setBaud(baudRate: number): Promise<void> {
    await this.drain();
    await new Promise<void>((resolve, reject) => this.port.update({ baudRate }, (err) => (err ? reject(err) : resolve())));
    this.baudRate = baudRate;
    this.trace?.note(`baud ${baudRate}`);
    this.parser.reset();
    this.busyUntil = this.clock.now();
  }

  /** Rejects every pending request (e.g. before a retry) without closing the port. */
  abandonPending(reason: Error): void {
    this.rejectWaiters(reason);
    this.busyUntil = this.clock.now();
  }

  /** Detaches from the port and closes it; safe to call twice. */
  async close(): Promise<void> {
    if (this.watchdog) this.clock.clearInterval(this.watchdog);
    this.abandonPending(new PlugrigError('E_PORT_CLOSED', 'serial port closed by the flasher'));
    this.port.off('data', this.onData);
    this.port.off('close', this.onClose);
    this.port.off('error', this.onError);
    this.port.on('error', () => undefined); // late errors after close must not crash the process
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
    else if (!this.port.destroyed) this.port.destroy();
  }

  /** Writes a line into the trace (a reset, a phase), when there is one. */
  note(text: string): void {
    this.trace?.note(text);
  }

  private feed(d: Buffer): void {
    const dropped = this.parser.discarded;
    const replies = this.parser.push(d);
    if (this.trace && this.parser.discarded > dropped) this.trace.note(`discarded ${this.parser.discarded - dropped} byte(s) that are not a frame`);
    for (const r of replies) {
      this.trace?.received(r);
      for (const tap of this.frameTaps) tap(r);
      const i = this.waiters.findIndex((w) => matches(w.matcher, r));
      if (i < 0) {
        this.staleFrames++;
        continue;
      }
      // Replies come in order: a reply to a later request means the earlier ones were lost.
      const lost = this.waiters.splice(0, i + 1);
      const w = lost.pop()!;
      for (const l of lost) {
        this.clock.clearTimeout(l.timer);
        l.cleanup();
        l.reject(new PlugrigError('E_REPLY_LOST', `reply to ${l.matcher.what} was lost (a later reply arrived first)`, 'line noise or a too-high --baud'));
      }
      this.clock.clearTimeout(w.timer);
      w.cleanup();
      w.resolve(r);
    }
  }

  private remove(w: Waiter): void {
    this.clock.clearTimeout(w.timer);
    w.cleanup();
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  private goneError(cause?: Error): PlugrigError {
    return new PlugrigError(
      'E_PORT_GONE',
      `serial port ${this.port.path} went away${cause?.message ? ` (${cause.message})` : ''}`,
      'check the USB-serial adapter and its cable, then run again',
      { cause },
    );
  }

  private fail(e: PlugrigError): void {
    if (this.gone) return;
    this.gone = e;
    if (this.watchdog) this.clock.clearInterval(this.watchdog);
    this.rejectWaiters(e);
  }

  private rejectWaiters(reason: Error): void {
    for (const w of this.waiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.cleanup();
      w.reject(reason);
    }
  }
}
