/**
 * The firmware's HTTP API on loopback (the simulated 192.168.4.1:80). Routing and replies come
 * from a handler the runtime supplies; this file owns sockets, basic auth and the HTTP faults
 * (dead: connections accepted, never answered; slow: every reply delayed).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PlugrigError } from '../../core/errors.js';
import { simTimeout, type SimClock } from '../clock.js';

export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export interface HttpRequestInfo {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}

/** Returns the reply, or null to drop the connection (firmware rebooting). */
export type HttpHandler = (req: HttpRequestInfo) => HttpReply | null;

export interface ObkHttpOptions {
  host: string;
  port: number;
  dead: boolean;
  slowMs: number;
  /** The firmware's clock: slow replies (http-slow) wait on it. */
  clock: SimClock;
  /** Basic auth password (user "admin"); empty = no auth. Read per request so it can change. */
  password: () => string;
  handler: HttpHandler;
}

export interface ObkHttpServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/**
 * A reset stops the old firmware without waiting; its port may still be closing when the next boot
 * listens. That wait is on real sockets, so it is real time, bounded by LISTEN_ATTEMPTS.
 */
const LISTEN_ATTEMPTS = 20;
const LISTEN_RETRY_MS = 50;

function listenOnce(server: Server, host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (e: NodeJS.ErrnoException) => resolve(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
}

async function listenWithRetry(server: Server, host: string, port: number): Promise<void> {
  let err: NodeJS.ErrnoException | undefined;
  for (let attempt = 1; attempt <= LISTEN_ATTEMPTS; attempt++) {
    err = await listenOnce(server, host, port);
    if (!err) return;
    if (err.code !== 'EADDRINUSE' || port === 0) break;
    await new Promise((r) => setTimeout(r, LISTEN_RETRY_MS));
  }
  throw new PlugrigError(
    'E_SIM_HTTP_LISTEN',
    `simulated firmware HTTP could not listen on ${host}:${port}: ${err?.code ?? err?.message}`,
    'choose another port (0 picks a free one) or stop whatever holds it',
    { cause: err },
  );
}

function authorised(req: IncomingMessage, password: string): boolean {
  if (!password) return true;
  const h = req.headers.authorization ?? '';
  const m = /^Basic\s+(\S+)$/i.exec(h);
  if (!m) return false;
  const [user, ...pw] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
  return user === 'admin' && pw.join(':') === password;
}

export async function startObkHttp(opts: ObkHttpOptions): Promise<ObkHttpServer> {
  const sockets = new Set<Socket>();
  const delays = new Set<unknown>();

  const send = (res: ServerResponse, r: HttpReply) => {
    if (res.destroyed) return;
    res.writeHead(r.status, { 'Content-Type': r.contentType, Connection: 'close', ...r.headers });
    res.end(r.body);
  };

  const server: Server = createServer((req, res) => {
    if (opts.dead) return; // accepted, read, never answered
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://obk.local');
      let reply: HttpReply | null;
      if (!authorised(req, opts.password())) {
        reply = { status: 401, contentType: 'text/plain', body: 'Unauthorized', headers: { 'WWW-Authenticate': 'Basic realm="OpenBeken"' } };
      } else {
        reply = opts.handler({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks).toString('utf8') });
      }
      if (reply === null) {
        req.socket.destroy();
        return;
      }
      const r = reply;
      if (opts.slowMs > 0) {
        const t = simTimeout(
          opts.clock,
          () => {
            delays.delete(t);
            send(res, r);
          },
          opts.slowMs,
        );
        delays.add(t);
      } else {
        send(res, r);
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await listenWithRetry(server, opts.host, opts.port);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of delays) opts.clock.clearTimeout(t);
        delays.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
