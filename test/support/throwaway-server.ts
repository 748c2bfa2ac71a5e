/**
 * What the throwaway servers of the tests (pg-server.ts, mosquitto.ts) have in common: a local
 * server in its own temp dir that a test can stop and start again (the far end going away mid-run)
 * and, at the end, destroy together with its files.
 */
import { rm } from 'node:fs/promises';

export interface ThrowawayServer {
  url: string;
  port: number;
  /** Fast shutdown: connections are cut, as when the server goes away. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops and deletes everything. */
  destroy(): Promise<void>;
}

/** Starts the server once and hands it out; `destroy` stops it and deletes `dir`. */
export async function throwawayServer(s: Omit<ThrowawayServer, 'destroy'> & { dir: string }): Promise<ThrowawayServer> {
  const { dir, ...server } = s;
  await server.start();
  return {
    ...server,
    async destroy() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
