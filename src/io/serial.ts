/**
 * Opening the rig's UARTs: the real serialport stream over a binding (the OS binding on a Pi, the
 * simulator's in-process one on the sim rig), by stable path, exclusively locked, without toggling
 * DTR/RTS on close (hupcl off). A presence watchdog destroys the stream with E_PORT_GONE when the
 * device path disappears or points elsewhere: node-serialport often notices no unplug at all.
 */
import { realpathSync } from 'node:fs';
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { realClock, type Clock } from '../core/clock.js';
import { AbortedError, PlugrigError } from '../core/errors.js';
import type { SerialOpenOptions, SerialOpener } from './types.js';

export interface WatchdogOptions {
  /** Check period; unplug is noticed within one period (default 500 ms, well inside 2 s). */
  intervalMs?: number;
  /** Identity of the device behind the path, undefined when gone (default: realpath of the path). */
  identity?: (path: string) => string | undefined;
  /** Runs the check period (default realClock). */
  clock?: Clock;
}

export interface SerialOpenerConfig {
  path: string;
  binding: BindingInterface;
  /** false for ports that cannot vanish (the simulator's). */
  watchdog?: WatchdogOptions | false;
  lock?: boolean;
}

const realIdentity = (path: string): string | undefined => {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
};

/** The error a port that vanished is destroyed with; `disconnected` matches serialport's own convention. */
export class PortGoneError extends PlugrigError {
  readonly disconnected = true;
  constructor(path: string) {
    super(
      'E_PORT_GONE',
      `serial port ${path} disappeared (unplugged?)`,
      'check the USB cable and adapter, then run again; a stable /dev/serial/by-path name survives re-plugging',
    );
  }
}

/** Watches the device path of an open port; returns a stop function. */
export function watchPresence(port: SerialPortStream, path: string, opts: WatchdogOptions = {}): () => void {
  const identity = opts.identity ?? realIdentity;
  const initial = identity(path);
  const clock = opts.clock ?? realClock;
  const timer = clock.setInterval(() => {
    const now = identity(path);
    if (now !== undefined && now === initial) return;
    stop();
    const err = new PortGoneError(path);
    // A consumer without an 'error' listener must not crash the process; it still sees 'close' and port.errored.
    if (port.listenerCount('error') === 0) port.once('error', () => {});
    port.destroy(err);
    // Free the descriptor and the lock; a pending read is cancelled, not retried.
    port.port?.close().catch(() => {});
  }, opts.intervalMs ?? 500);
  timer.unref();
  const stop = () => {
    clock.clearInterval(timer);
    port.off('close', stop);
  };
  port.on('close', stop);
  return stop;
}

function openError(path: string, e: unknown): PlugrigError {
  const msg = (e as Error)?.message ?? String(e);
  if (/lock/i.test(msg))
    return new PlugrigError('E_PORT_BUSY', `serial port ${path} is in use: ${msg}`, `find the other program with 'fuser ${path}' and stop it`, { cause: e });
  if (/EACCES|permission/i.test(msg))
    return new PlugrigError('E_PORT_ACCESS', `no permission to open ${path}: ${msg}`, "add the user to the 'dialout' group (then log in again)", { cause: e });
  if (/ENOENT|no such file/i.test(msg))
    return new PlugrigError(
      'E_PORT_MISSING',
      `serial port ${path} does not exist`,
      "check the adapter is plugged in and the rig file's path (ls -l /dev/serial/by-path/)",
      { cause: e },
    );
  return new PlugrigError('E_PORT_OPEN', `cannot open serial port ${path}: ${msg}`, 'check the adapter and the rig file', { cause: e });
}

export async function openSerialPort(cfg: SerialOpenerConfig, opts: SerialOpenOptions): Promise<SerialPortStream> {
  if (opts.signal?.aborted) throw new AbortedError(`opening ${cfg.path}`);
  const port = new SerialPortStream({
    binding: cfg.binding,
    path: cfg.path,
    baudRate: opts.baudRate,
    lock: cfg.lock ?? true,
    hupcl: false,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(cfg.path, err)) : resolve())));
  if (opts.signal?.aborted) {
    await new Promise<void>((r) => port.close(() => r()));
    throw new AbortedError(`opening ${cfg.path}`);
  }
  if (cfg.watchdog !== false) watchPresence(port, cfg.path, cfg.watchdog ?? {});
  return port;
}

export function createSerialOpener(cfg: SerialOpenerConfig): SerialOpener {
  return { path: cfg.path, open: (opts) => openSerialPort(cfg, opts) };
}
