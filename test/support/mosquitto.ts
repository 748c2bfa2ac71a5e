/**
 * A throwaway Mosquitto for tests: `mosquitto -c <temp config>` listening on a free local port,
 * anonymous, persistent in the temp dir (a restart keeps retained messages and persistent sessions,
 * saved on SIGTERM, as a production broker would).
 * `mosquittoBin()` is undefined when the broker is not installed, so a suite can skip, saying why.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { type ThrowawayServer, throwawayServer } from './throwaway-server.js';

export function mosquittoBin(): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', ...(process.env.PATH ?? '').split(':')]) {
    if (dir && existsSync(join(dir, 'mosquitto'))) return join(dir, 'mosquitto');
  }
  return undefined;
}

export type Broker = ThrowawayServer;

/** Resolves once something accepts TCP connections on the port (bounded: 100 tries, 50 ms apart). */
async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on port ${port}`);
}

export async function startBroker(): Promise<Broker> {
  const bin = mosquittoBin();
  if (!bin) throw new Error('mosquitto not found');
  const dir = await mkdtemp(join(tmpdir(), 'plugrig-mqtt-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  // As root, mosquitto would drop to its own user, who cannot write the temp dir: it stays root.
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nuser root\nlog_dest stderr\n`);
  let proc: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    const p = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    proc = p;
    try {
      await waitListening(port);
    } catch (e) {
      p.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n${log}`);
    }
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };
  return throwawayServer({ url: `mqtt://127.0.0.1:${port}`, port, start, stop, dir });
}
