/**
 * The WebSocket hub of `plugrig serve`: one node:http server that serves the operator page and,
 * on /ws, the event stream. It follows the record store (so it only ever announces what is on
 * disk), replays from the store on resume, and lets token holders start and abort runs.
 * Every client has a bounded send buffer: one that stops reading is dropped with a reason,
 * never allowed to grow the server's memory or slow the others.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { isPlugrigError, PlugrigError } from '../core/errors.js';
import { isSimulatedRun } from '../core/record.js';
import type { RunEvent } from '../core/run-types.js';
import { loadPage, type PageFiles } from './page-files.js';
import {
  localDay,
  parseClientMessage,
  PROTOCOL_VERSION,
  startOfLocalDay,
  type ClientMessage,
  type Counters,
  type ErrorCode,
  type RequestId,
  type ServerMessage,
} from './protocol.js';
import { idleView, reduceSlotView, viewFromRecord, type SlotView } from './slot-view.js';
import type { SlotInfo } from '../core/run-types.js';
import type { RecordStore, StoredEvent } from './store/types.js';

/** What the hub asks of whoever runs the slots (the station implements it). */
export interface StationControl {
  slotNames(): string[];
  /** Starts a run; returns its id. Throws E_SLOT_UNKNOWN or E_SLOT_BUSY. */
  start(slot: string): string;
  /** Aborts the slot's run; false when it was idle. Throws E_SLOT_UNKNOWN. */
  abort(slot: string): boolean;
}

export interface HubOptions {
  store: RecordStore;
  slots: SlotInfo[];
  /** Without it the hub is read-only: start/abort answer E_WS_CONTROL_DISABLED. */
  control?: StationControl;
  /** Control token; start/abort must carry it. */
  token?: string;
  host?: string;
  port?: number;
  /** Largest message answered normally (default 4 KiB); bigger ones get E_WS_TOO_LARGE. */
  maxMessageBytes?: number;
  /** Frames above this (default 64 KiB) are refused by ws itself: close 1009. */
  hardMaxPayload?: number;
  /** Unsent bytes allowed per client before it is dropped (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Live events queued per client while its replay runs (default 10 000). */
  maxPendingEvents?: number;
  /** How long a replay may wait for a client to drain (default 10 s). */
  replayStallMs?: number;
  /** Min ms between two progress-only view updates of one slot (default 100). */
  viewIntervalMs?: number;
  /** Keep-alive ping period; a client that misses one pong is dropped (default 30 s). */
  pingIntervalMs?: number;
  /** Messages per second per client (burst = 2×; default 50). */
  rateLimit?: number;
  /**
   * A simulated station (every slot a simulated rig or --sim-slots): its simulated runs count.
   * Otherwise runs marked simulated (record.rigKind) are left out of the day's counters, so a demo
   * on the line's station never inflates the real units' numbers. Default false.
   */
  countSimulated?: boolean;
  now?: () => number;
}

/** Close codes the hub uses. */
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_AGAIN = 1013;
export const CLOSE_GOING_AWAY = 1001;

interface Subscription {
  slot: string;
  replaying: boolean;
  pending: StoredEvent[];
  lastSent: number;
}

interface Client {
  ws: WebSocket;
  sub?: Subscription;
  watching: boolean;
  authFailures: number;
  alive: boolean;
  tokens: number;
  tokensAt: number;
  rateNoticed: boolean;
  gone: boolean;
}

function sha(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export class Hub {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly views = new Map<string, SlotView>();
  private readonly viewTimers = new Map<string, NodeJS.Timeout>();
  private counters: Counters;
  /** Runs in progress that are simulated and not counted (runIds from their run.started). */
  private readonly uncounted = new Set<string>();
  private unfollow: (() => void) | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private page: PageFiles | undefined;
  private readonly tokenHash: Buffer | undefined;
  private readonly o: Required<Omit<HubOptions, 'control' | 'token' | 'store' | 'slots' | 'countSimulated'>>;
  /** Clients dropped for being slow, by reason (for the benchmark and tests). */
  readonly dropped: { slow: number; policy: number } = { slow: 0, policy: 0 };

  constructor(private readonly opts: HubOptions) {
    this.o = {
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 8231,
      maxMessageBytes: opts.maxMessageBytes ?? 4096,
      hardMaxPayload: opts.hardMaxPayload ?? 65_536,
      maxBufferedBytes: opts.maxBufferedBytes ?? 1 << 20,
      maxPendingEvents: opts.maxPendingEvents ?? 10_000,
      replayStallMs: opts.replayStallMs ?? 10_000,
      viewIntervalMs: opts.viewIntervalMs ?? 100,
      pingIntervalMs: opts.pingIntervalMs ?? 30_000,
      rateLimit: opts.rateLimit ?? 50,
      now: opts.now ?? Date.now,
    };
    this.tokenHash = opts.token ? sha(opts.token) : undefined;
    for (const s of opts.slots) this.views.set(s.slot, idleView(s.slot, s.rig));
    this.counters = { day: localDay(this.o.now()), passed: 0, failed: 0 };
    this.http = createServer((req, res) => this.serveHttp(req, res));
    this.wss = new WebSocketServer({
      server: this.http,
      path: '/ws',
      maxPayload: this.o.hardMaxPayload,
      verifyClient: ({ req }: { req: IncomingMessage }, cb: (ok: boolean, code?: number, message?: string) => void) =>
        sameOrigin(req) ? cb(true) : cb(false, 403, 'origin not allowed'),
    });
    this.wss.on('error', () => undefined); // listen errors are reported by listen()
    this.wss.on('connection', (ws) => this.onConnection(ws));
  }

  /** Loads the page and the slots' last verdicts, follows the store and listens. */
  async listen(): Promise<{ host: string; port: number; url: string }> {
    this.page = await loadPage();
    await this.restoreFromStore();
    this.unfollow = this.opts.store.subscribe((s) => this.onStored(s));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        reject(
          new PlugrigError(
            'E_SERVE_LISTEN',
            `cannot listen on ${this.o.host}:${this.o.port}: ${e.code ?? e.message}`,
            e.code === 'EADDRINUSE' ? 'another program uses that port; pass --port <n> or --port 0 for any free port' : 'check --host',
          ),
        );
      };
      this.http.once('error', onError);
      this.http.listen(this.o.port, this.o.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.pingTimer = setInterval(() => this.keepAlive(), this.o.pingIntervalMs);
    this.pingTimer.unref();
    const addr = this.http.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { host: addr.address, port: addr.port, url: `http://${host}:${addr.port}` };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  slotViews(): SlotView[] {
    return [...this.views.values()];
  }

  private async restoreFromStore(): Promise<void> {
    const today = startOfLocalDay(this.o.now());
    for (const rec of await this.opts.store.records({ since: today })) {
      if (rec.status !== 'finished' || (isSimulatedRun(rec) && !this.opts.countSimulated)) continue;
      if (rec.outcome === 'PASS') this.counters.passed += 1;
      else if (rec.outcome === 'FAIL' || rec.outcome === 'ERROR') this.counters.failed += 1;
    }
    for (const slot of this.views.keys()) {
      const [last] = await this.opts.store.records({ slot, limit: 1 });
      if (last && last.status !== 'running') this.views.set(slot, { ...viewFromRecord(last), rig: this.views.get(slot)!.rig ?? last.rig });
    }
  }

  // ---- HTTP: the operator page and nothing else -------------------------------------------
  private serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const headers = {
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'",
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const file = this.page?.get(path === '/' ? '/index.html' : path);
    if (!file) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': file.type, 'Content-Length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  // ---- WebSocket ------------------------------------------------------------------------
  private onConnection(ws: WebSocket): void {
    const client: Client = {
      ws,
      watching: false,
      authFailures: 0,
      alive: true,
      tokens: this.o.rateLimit * 2,
      tokensAt: this.o.now(),
      rateNoticed: false,
      gone: false,
    };
    this.clients.add(client);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        this.onMessage(client, data, isBinary);
      } catch (e) {
        this.reply(client, { type: 'error', code: 'E_INTERNAL', message: `server error: ${(e as Error)?.message ?? String(e)}` });
      }
    });
    ws.on('pong', () => (client.alive = true));
    ws.on('error', () => undefined); // e.g. over maxPayload: ws closes with 1009 by itself
    ws.on('close', () => this.forget(client));
    this.reply(client, {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      slots: [...this.views.keys()],
      head: this.opts.store.head(),
      control: this.controlEnabled(),
    });
  }

  private forget(client: Client): void {
    client.gone = true;
    this.clients.delete(client);
  }

  private controlEnabled(): boolean {
    return this.opts.control !== undefined && this.tokenHash !== undefined;
  }

  private takeToken(client: Client): boolean {
    const now = this.o.now();
    client.tokens = Math.min(this.o.rateLimit * 2, client.tokens + ((now - client.tokensAt) / 1000) * this.o.rateLimit);
    client.tokensAt = now;
    if (client.tokens < 1) return false;
    client.tokens -= 1;
    return true;
  }

  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (!this.takeToken(client)) {
      // Answer the first excess message only; a flood of error replies would be a flood too.
      if (!client.rateNoticed) this.error(client, 'E_WS_RATE_LIMITED', `over ${this.o.rateLimit} messages per second; messages ignored`);
      client.rateNoticed = true;
      return;
    }
    client.rateNoticed = false;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const parsed = parseClientMessage(buf, isBinary, this.o.maxMessageBytes);
    if (!parsed.ok) {
      this.error(client, parsed.code, parsed.message, parsed.id);
      return;
    }
    this.handle(client, parsed.msg);
  }

  private handle(client: Client, msg: ClientMessage): void {
    const id = msg.id !== undefined ? { id: msg.id } : {};
    switch (msg.type) {
      case 'ping':
        this.reply(client, { type: 'pong', ...id });
        return;
      case 'watch':
        client.watching = true;
        this.reply(client, { type: 'slots', slots: this.slotViews(), counters: this.currentCounters(), ...id });
        return;
      case 'unsubscribe':
        delete client.sub;
        this.reply(client, { type: 'unsubscribed', ...id });
        return;
      case 'subscribe':
        this.subscribe(client, msg.slot, msg.since, msg.id);
        return;
      case 'auth':
        if (this.authorized(client, msg.token, msg.id)) this.reply(client, { type: 'authorized', ...id });
        return;
      case 'start':
      case 'abort':
        this.control(client, msg);
        return;
    }
  }

  /** True when control is on and `token` is right; otherwise answers the client with why not. */
  private authorized(client: Client, token: string, id: RequestId | undefined): boolean {
    if (!this.opts.control || !this.tokenHash) {
      this.error(client, 'E_WS_CONTROL_DISABLED', 'this server was started without control (no token)', id);
      return false;
    }
    if (!timingSafeEqual(sha(token), this.tokenHash)) {
      client.authFailures += 1;
      this.error(client, 'E_WS_UNAUTHORIZED', 'wrong control token', id);
      if (client.authFailures >= 5) this.drop(client, CLOSE_POLICY, 'too many wrong tokens', 'policy');
      return false;
    }
    return true;
  }

  private control(client: Client, msg: Extract<ClientMessage, { type: 'start' | 'abort' }>): void {
    const control = this.opts.control;
    if (!control || !this.authorized(client, msg.token, msg.id)) return;
    const slots = msg.slot === '*' ? control.slotNames() : [msg.slot];
    const id = msg.id !== undefined ? { id: msg.id } : {};
    if (msg.slot !== '*' && !control.slotNames().includes(msg.slot)) {
      this.error(client, 'E_SLOT_UNKNOWN', `no slot named "${msg.slot}"`, msg.id);
      return;
    }
    for (const slot of slots) {
      try {
        if (msg.type === 'start') {
          if (msg.slot === '*' && this.views.get(slot)?.state === 'running') continue; // start all: idle ones
          this.reply(client, { type: 'started', slot, runId: control.start(slot), ...id });
        } else if (control.abort(slot)) {
          this.reply(client, { type: 'aborting', slot, ...id });
        } else if (msg.slot !== '*') {
          this.error(client, 'E_SLOT_IDLE', `slot ${slot} is not running`, msg.id);
        }
      } catch (e) {
        const code = isPlugrigError(e) && (e.code === 'E_SLOT_BUSY' || e.code === 'E_SLOT_UNKNOWN') ? e.code : 'E_INTERNAL';
        if (!(msg.slot === '*' && code === 'E_SLOT_BUSY')) this.error(client, code, (e as Error).message, msg.id);
      }
    }
  }

  private subscribe(client: Client, slot: string, since: number | undefined, id: RequestId | undefined): void {
    if (slot !== '*' && !this.views.has(slot)) {
      this.error(client, 'E_SLOT_UNKNOWN', `no slot named "${slot}"`, id);
      return;
    }
    const head = this.opts.store.head();
    const sub: Subscription = { slot, replaying: since !== undefined && since < head, pending: [], lastSent: since ?? head };
    client.sub = sub;
    this.reply(client, { type: 'subscribed', slot, since: since ?? null, head, ...(id !== undefined ? { id } : {}) });
    if (sub.replaying) void this.replay(client, sub);
  }

  /** Sends stored events after `sub.lastSent`, pacing itself by the client's buffer, then goes live. */
  private async replay(client: Client, sub: Subscription): Promise<void> {
    const batch = 500;
    const slot = sub.slot === '*' ? {} : { slot: sub.slot };
    try {
      for (;;) {
        const events = await this.opts.store.eventsSince(sub.lastSent, { ...slot, limit: batch });
        for (const s of events) {
          if (client.gone || client.sub !== sub) return;
          if (!(await this.roomFor(client))) return;
          this.sendRaw(client, eventFrame(s));
          sub.lastSent = s.seq;
        }
        if (events.length < batch) break;
      }
      if (client.gone || client.sub !== sub) return;
      for (const s of sub.pending) {
        if (s.seq > sub.lastSent) {
          this.sendRaw(client, eventFrame(s));
          sub.lastSent = s.seq;
        }
      }
      sub.pending = [];
      sub.replaying = false;
    } catch (e) {
      this.error(client, 'E_INTERNAL', `replay failed: ${(e as Error).message}`);
      delete client.sub;
    }
  }

  /** Waits (bounded) until the client has drained below half its buffer; drops it if it never does. */
  private async roomFor(client: Client): Promise<boolean> {
    const limit = this.o.maxBufferedBytes / 2;
    const deadline = this.o.now() + this.o.replayStallMs;
    while (client.ws.bufferedAmount > limit) {
      if (client.gone) return false;
      if (this.o.now() > deadline) {
        this.drop(client, CLOSE_TRY_AGAIN, `slow client: replay stalled with ${client.ws.bufferedAmount} bytes unsent`, 'slow');
        return false;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return !client.gone;
  }

  // ---- the live feed from the store -----------------------------------------------------
  private onStored(s: StoredEvent): void {
    let frame: string | undefined;
    for (const client of this.clients) {
      const sub = client.sub;
      if (!sub || (sub.slot !== '*' && sub.slot !== s.event.slot)) continue;
      if (sub.replaying) {
        sub.pending.push(s);
        if (sub.pending.length > this.o.maxPendingEvents) this.drop(client, CLOSE_TRY_AGAIN, 'slow client: too many events queued behind its replay', 'slow');
        continue;
      }
      if (s.seq <= sub.lastSent) continue;
      frame ??= eventFrame(s); // serialised once for every client
      this.sendRaw(client, frame);
      sub.lastSent = s.seq;
    }
    this.updateView(s.event);
  }

  private updateView(e: RunEvent): void {
    const before = this.views.get(e.slot) ?? idleView(e.slot);
    const after = reduceSlotView(before, e);
    this.views.set(e.slot, after);
    if (e.type === 'run.started' && isSimulatedRun(e) && !this.opts.countSimulated) this.uncounted.add(e.runId);
    if (e.type === 'run.finished' && !this.uncounted.delete(e.runId)) this.count(e.outcome);
    if (after === before) return;
    if (e.type === 'phase.progress' || e.type === 'log') {
      if (!this.viewTimers.has(e.slot)) {
        const t = setTimeout(() => {
          this.viewTimers.delete(e.slot);
          this.pushView(e.slot);
        }, this.o.viewIntervalMs);
        this.viewTimers.set(e.slot, t);
      }
      return;
    }
    this.pushView(e.slot);
  }

  private pushView(slot: string): void {
    const view = this.views.get(slot);
    if (!view) return;
    const frame = JSON.stringify({ type: 'slot', view } satisfies ServerMessage);
    for (const c of this.clients) if (c.watching) this.sendRaw(c, frame);
  }

  private currentCounters(): Counters {
    const day = localDay(this.o.now());
    if (day !== this.counters.day) this.counters = { day, passed: 0, failed: 0 };
    return { ...this.counters };
  }

  private count(outcome: string): void {
    this.currentCounters();
    if (outcome === 'PASS') this.counters.passed += 1;
    else if (outcome === 'FAIL' || outcome === 'ERROR') this.counters.failed += 1;
    else return;
    const frame = JSON.stringify({ type: 'counters', counters: { ...this.counters } } satisfies ServerMessage);
    for (const c of this.clients) if (c.watching) this.sendRaw(c, frame);
  }

  // ---- sending ----------------------------------------------------------------------------
  private reply(client: Client, msg: ServerMessage): void {
    this.sendRaw(client, JSON.stringify(msg));
  }

  private error(client: Client, code: ErrorCode, message: string, id?: RequestId): void {
    this.reply(client, { type: 'error', code, message, ...(id !== undefined ? { id } : {}) });
  }

  /** The one place bytes go out: a client over its buffer is dropped instead of buffered further. */
  private sendRaw(client: Client, frame: string): void {
    if (client.gone || client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount + frame.length > this.o.maxBufferedBytes) {
      this.drop(client, CLOSE_TRY_AGAIN, `slow client: over ${this.o.maxBufferedBytes} bytes unsent`, 'slow');
      return;
    }
    client.ws.send(frame);
  }

  private drop(client: Client, code: number, reason: string, kind: 'slow' | 'policy'): void {
    if (client.gone) return;
    this.dropped[kind] += 1;
    this.forget(client);
    // A close frame queues behind the unsent data; a slow reader may never get it, so cut it off.
    client.ws.close(code, reason.slice(0, 120));
    const t = setTimeout(() => client.ws.terminate(), kind === 'slow' ? 1000 : 5000);
    t.unref();
  }

  private keepAlive(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        this.forget(c);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  async close(): Promise<void> {
    this.unfollow?.();
    clearInterval(this.pingTimer);
    for (const t of this.viewTimers.values()) clearTimeout(t);
    for (const c of [...this.clients]) {
      this.forget(c);
      c.ws.close(CLOSE_GOING_AWAY, 'server shutting down');
      setTimeout(() => c.ws.terminate(), 500).unref();
    }
    await new Promise<void>((r) => this.wss.close(() => r()));
    if (this.http.listening) {
      this.http.closeAllConnections();
      await new Promise<void>((r) => this.http.close(() => r()));
    }
  }
}

function eventFrame(s: StoredEvent): string {
  return JSON.stringify({ type: 'event', seq: s.seq, event: s.event } satisfies ServerMessage);
}

/** Browsers send Origin; a page from another site must not drive the rig through the user's browser. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser (CLI tools, scripts)
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
