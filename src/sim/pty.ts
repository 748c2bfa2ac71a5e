/**
 * Serves a simulated module's UART1 on a pseudo-terminal so any flashing tool on the machine can
 * talk to it (`plugrig sim --pty`). A python3 helper owns the pty (see pty-helper.ts); we relay its
 * bytes through the module's UartLink as the host side, so wire timing, baud mismatch and byte
 * faults apply as they do in process. Ptys have no modem lines: tools cannot reset the chip through
 * RTS/DTR, which is why the server is usually run with a held chip (download window never expires).
 */
import { spawn } from 'node:child_process';
import { PlugrigError } from '../core/errors.js';
import type { SimModule } from './module.js';
import { PTY_HELPER_PY } from './pty-helper.js';

export interface PtyServerOptions {
  /** The Python interpreter. Default "python3". */
  python?: string;
  /** Deadline for the pty to come up, ms. Default 5000. */
  startTimeoutMs?: number;
  /**
   * Reset the chip each time a tool opens the pty, as a USB adapter with DTR wired to CEN does on
   * open. Default true: with a held chip every tool session then starts in a fresh ROM at 115200.
   */
  resetOnOpen?: boolean;
  /** Called when a tool opens (true) or closes (false) the pty. */
  onSession?: (open: boolean) => void;
}

export interface PtyServer {
  /** The slave side, e.g. /dev/pts/5: hand this to the flashing tool. */
  readonly path: string;
  /** The speed the tool has set on the pty, as last reported. */
  hostBaud(): number;
  /** Resolves when the helper exits (on close() or if it dies). */
  readonly exited: Promise<void>;
  close(): Promise<void>;
}

export async function startPtyServer(module: SimModule, opts: PtyServerOptions = {}): Promise<PtyServer> {
  const python = opts.python ?? 'python3';
  const child = spawn(python, ['-u', '-c', PTY_HELPER_PY], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let detach: (() => void) | undefined;
  try {
    detach = module.link.attachHost({ deliver: (b) => child.stdin!.write(b) }, 'pty server');
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
  child.stdin!.on('error', () => {}); // helper gone: 'close' reports it

  let buf: Buffer = Buffer.alloc(0);
  const path = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => fail(`no pty within ${opts.startTimeoutMs ?? 5000} ms`), opts.startTimeoutMs ?? 5000);
    function fail(why: string) {
      clearTimeout(deadline);
      detach?.();
      child.kill('SIGKILL');
      reject(
        new PlugrigError(
          'E_SIM_PTY',
          `could not serve the simulated module on a pty: ${why}${stderr ? ` (${stderr.trim().split('\n').pop()})` : ''}`,
          `install python3 (apt-get install python3) or pass --python <interpreter>`,
        ),
      );
    }
    const onError = (e: Error) => fail(e.message);
    const onEarlyClose = (code: number | null) => fail(`helper exited with code ${code}`);
    child.once('error', onError);
    child.once('close', onEarlyClose);
    child.stdout!.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 5) {
        const len = buf.readUInt32LE(1);
        if (buf.length < 5 + len) break;
        const kind = String.fromCharCode(buf[0]!);
        const payload = buf.subarray(5, 5 + len);
        buf = buf.subarray(5 + len);
        if (kind === 'P') {
          clearTimeout(deadline);
          child.off('close', onEarlyClose);
          child.off('error', onError);
          child.on('error', () => {}); // a later failure shows up as 'close' (exited)
          resolve(payload.toString());
        } else if (kind === 'O') {
          if (opts.resetOnOpen ?? true) module.reset();
          opts.onSession?.(true);
        } else if (kind === 'C') {
          opts.onSession?.(false);
        } else if (kind === 'B') {
          const baud = payload.readUInt32LE(0);
          if (baud > 0) module.link.hostBaud = baud;
        } else if (kind === 'D') {
          module.link.hostWrite(Buffer.from(payload));
        }
      }
    });
  });

  let closing: Promise<void> | undefined;
  return {
    path,
    exited,
    hostBaud: () => module.link.hostBaud,
    close(): Promise<void> {
      closing ??= (async () => {
        detach?.();
        child.stdin!.end();
        const killer = setTimeout(() => child.kill('SIGKILL'), 1000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(killer);
      })();
      return closing;
    },
  };
}
