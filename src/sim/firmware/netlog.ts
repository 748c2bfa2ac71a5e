/**
 * OpenBeken's network log (src/logging/logging.c, LOGPORT 9000): a TCP server that sends every log
 * line, raw, to every connected client. The simulator listens on the firmware's HTTP host; the
 * port is 9000 as on a module unless told otherwise (0 = a free port: many simulated modules share
 * one loopback host). A reboot closes every connection, as a module's would.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface NetLogServer {
  readonly port: number;
  /** Sends one line (CR LF appended) to every client. */
  send(line: string): void;
  /** Drops every client (reboot); the server keeps listening for the next boot. */
  dropClients(): void;
  close(): Promise<void>;
}

/** A reset stops the old firmware without waiting; its port may still be closing when the next boot listens (real time, bounded). */
const LISTEN_ATTEMPTS = 20;
const LISTEN_RETRY_MS = 50;

/** Clients that read nothing are cut off past this many queued bytes (a module's socket buffer is small). */
const MAX_QUEUED_BYTES = 64 * 1024;

export async function startNetLog(o: { host: string; port: number; accepting: () => boolean }): Promise<NetLogServer> {
  const clients = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (!o.accepting()) {
      socket.destroy(); // rebooting: nothing listens on the module side
      return;
    }
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => clients.delete(socket));
    socket.on('data', () => {}); // whatever a client sends is ignored
    clients.add(socket);
  });
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < LISTEN_ATTEMPTS; attempt++) {
    lastError = await new Promise<Error | undefined>((resolve) => {
      const onError = (e: Error) => resolve(e);
      server.once('error', onError);
      server.listen(o.port, o.host, () => {
        server.off('error', onError);
        resolve(undefined);
      });
    });
    if (!lastError || (lastError as NodeJS.ErrnoException).code !== 'EADDRINUSE' || o.port === 0) break;
    await new Promise((r) => setTimeout(r, LISTEN_RETRY_MS).unref());
  }
  if (lastError) throw lastError;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  server.unref(); // a simulated chip never keeps the process alive
  const dropClients = () => {
    for (const c of clients) c.destroy();
    clients.clear();
  };
  return {
    port,
    send(line) {
      const bytes = `${line}\r\n`;
      for (const c of clients) {
        if (c.writableLength > MAX_QUEUED_BYTES) c.destroy();
        else c.write(bytes);
      }
    },
    dropClients,
    close: () =>
      new Promise<void>((resolve) => {
        dropClients();
        server.close(() => resolve());
      }),
  };
}
