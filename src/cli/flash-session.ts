/**
 * What info, backup, flash and verify share: the --rig / --port / --baud / --json options, opening
 * the serial port (a rig file's UART with its reset sequences, or a bare port with the OS binding),
 * connecting the Flasher, progress output (a bar on a TTY, plain lines otherwise, nothing with
 * --json) and releasing everything on the way out, Ctrl-C included.
 */
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { SerialPortStream } from '@serialport/stream';
import { autoDetect } from '@serialport/bindings-cpp';
import { realClock, type Clock } from '../core/clock.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { PlugrigError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { Flasher } from '../bk7231/flasher.js';
import type { Progress, ProgressFn } from '../bk7231/progress.js';
import { createFrameTrace, type FrameTrace } from '../bk7231/trace.js';
import { createSerialOpener } from '../io/serial.js';
import type { ResetSequence } from '../rig/types.js';
import { baudOption, flag, numberOption, stringOption } from './args.js';
import type { CommandIo, OptionSpec, ParsedCommandArgs } from './command.js';

export const SESSION_OPTIONS: OptionSpec = {
  rig: { type: 'string' },
  port: { type: 'string' },
  baud: { type: 'string' },
  json: { type: 'boolean' },
  pipeline: { type: 'string' },
  trace: { type: 'string' },
  wait: { type: 'string' },
  'virtual-time': { type: 'boolean' },
};

/** With --port nobody can reset the chip but the user: this long, unless --wait says otherwise. */
export const DEFAULT_MANUAL_RESET_WAIT_S = 60;

export const SESSION_USAGE = '[--rig <file> | --port <path> [--wait <s>]] [--baud <rate>] [--pipeline <n>] [--trace <file>] [--json] [--virtual-time]';
const DEFAULT_RIG = 'rigs/sim.json';

export interface Session {
  flasher: Flasher;
  /** "rig sim (rigs/sim.json)" or "port /dev/ttyUSB0". */
  target: string;
  /** The rig's name, or the port's path: what a record names as its rig. */
  rigName: string;
  json: boolean;
  progress: ProgressFn;
  log: (line: string) => void;
  /** The --trace file being written, if any. */
  traceFile?: string;
  close(): Promise<void>;
}

interface Opened {
  port: SerialPortStream;
  resets: readonly ResetSequence[];
  target: string;
  rigName: string;
  close(): Promise<void>;
}

async function openBarePort(path: string, signal: AbortSignal): Promise<Opened> {
  const opener = createSerialOpener({ path, binding: autoDetect(), lock: true });
  const port = await opener.open({ baudRate: 115200, signal });
  return { port, resets: [], target: `port ${path}`, rigName: path, close: async () => undefined };
}

export function rigPath(raw: string | undefined, io: CommandIo): string {
  const given = raw ?? DEFAULT_RIG;
  const inCwd = isAbsolute(given) ? given : resolve(io.cwd, given);
  if (existsSync(inCwd) || raw !== undefined) return inCwd;
  // The default rig also works from outside the checkout.
  return resolve(PACKAGE_ROOT, DEFAULT_RIG);
}

async function openRigPort(path: string, signal: AbortSignal, clock: Clock, virtual: boolean): Promise<Opened> {
  const { loadRigFile } = await import('../rig/config.js');
  const { openRig } = await import('../rig/open.js');
  const config = await loadRigFile(path);
  if (virtual && config.kind !== 'sim') {
    throw new PlugrigError('E_USAGE', `--virtual-time needs a simulated rig; ${config.name} is a ${config.kind} rig`, 'drop --virtual-time for real hardware');
  }
  const rig = await openRig(config, { signal, clock });
  try {
    await rig.releaseUartPads();
    const port = await rig.uart.open({ baudRate: 115200, signal });
    return { port, resets: rig.resets, target: `rig ${rig.name} (${rig.source})`, rigName: rig.name, close: () => rig.close() };
  } catch (e) {
    await rig.close().catch(() => undefined);
    throw e;
  }
}

/** Progress as a bar on a TTY, as a line per phase and per 10 % otherwise. */
export function progressPrinter(io: CommandIo, json: boolean): ProgressFn {
  if (json) return () => undefined;
  const tty = io.err.isTTY === true;
  let lastPhase = '';
  let lastTenth = -1;
  return (p: Progress) => {
    const frac = p.total > 0 ? p.done / p.total : 1;
    const rate = p.bytesPerSec > 0 ? `${(p.bytesPerSec / 1024).toFixed(0)} KiB/s` : '';
    const eta = Number.isFinite(p.etaMs) && p.done < p.total ? ` ETA ${(p.etaMs / 1000).toFixed(1)} s` : '';
    if (tty) {
      const width = 30;
      const fill = Math.round(frac * width);
      io.err.write(`\r${p.phase.padEnd(8)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${rate}${eta}   `);
      if (p.done >= p.total) io.err.write('\n');
      return;
    }
    const tenth = Math.floor(frac * 10);
    if (p.phase === lastPhase && tenth === lastTenth) return;
    lastPhase = p.phase;
    lastTenth = tenth;
    io.err.write(`${p.phase}: ${p.done}/${p.total} bytes (${(frac * 100).toFixed(0)}%) ${rate}${eta}\n`);
  };
}

/** The --trace file: one line per frame, written straight to the file (no buffer), so a crash leaves it complete. */
interface TraceFile {
  path: string;
  trace: FrameTrace;
  close(): void;
}

function openTraceFile(path: string, header: string, clock: Clock): TraceFile {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new PlugrigError('E_TRACE_FILE', `cannot write the trace file ${path}: ${(e as Error).message}`, 'give --trace a path in a writable directory');
  }
  const write = (line: string) => {
    if (fd === undefined) return;
    try {
      writeSync(fd, line + '\n');
    } catch {
      // a full disk must not end the flash; the trace simply stops
    }
  };
  write(`# ${header}`);
  return {
    path,
    trace: createFrameTrace(clock, write),
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * Link and CRC failures are the ones a frame trace explains: their hint says where the trace is,
 * or how to get one.
 */
export function withTraceHint(e: unknown, traceFile: string | undefined): unknown {
  if (!(e instanceof PlugrigError) || !/^E_(LINK|CRC)_/.test(e.code)) return e;
  const extra = traceFile ? `trace: ${traceFile}` : 'run again with --trace <file> to record every frame';
  return new PlugrigError(e.code, e.message, e.hint ? `${e.hint}; ${extra}` : extra, { cause: e });
}

/** A bare port that heard nothing: the user may simply have needed longer to reach the reset. */
function withWaitHint(e: unknown, waitS: number): unknown {
  if (!(e instanceof PlugrigError) || e.code !== 'E_LINK_NO_REPLY') return e;
  const extra = `waited ${waitS} s; --wait <s> gives you longer`;
  return new PlugrigError(e.code, e.message, e.hint ? `${e.hint}; ${extra}` : extra, { cause: e });
}

export interface SessionOptions {
  efuse?: boolean;
  /** The session's clock, else io.clock (tests run the simulated rig in virtual time), else realClock. */
  clock?: Clock;
}

export async function openSession(args: ParsedCommandArgs, io: CommandIo, opts: SessionOptions = {}): Promise<Session> {
  const portPath = stringOption(args, 'port');
  const rigFile = stringOption(args, 'rig');
  if (portPath && rigFile) throw new PlugrigError('E_USAGE', '--rig and --port exclude each other', 'a rig file names its own port; use one of them');
  // --virtual-time: the session and the simulated module share one virtual clock (simulated rigs only).
  const virtual = flag(args, 'virtual-time');
  if (virtual && portPath)
    throw new PlugrigError('E_USAGE', '--virtual-time needs a simulated rig, not --port', 'a chip on a port runs in real time; drop --virtual-time');
  const given = opts.clock ?? io.clock;
  const ownClock = virtual && !given ? new VirtualClock() : undefined;
  const clock = given ?? ownClock ?? realClock;
  const baudRate = baudOption(args);
  if (args.values.wait !== undefined && !portPath) {
    throw new PlugrigError('E_USAGE', '--wait is for --port', 'a rig resets the chip itself; drop --wait or use --port <path>');
  }
  const waitS = numberOption(args, 'wait', DEFAULT_MANUAL_RESET_WAIT_S, { min: 1, max: 3600 });
  const pipelineOpt = args.values.pipeline === undefined ? undefined : numberOption(args, 'pipeline', 1, { min: 1, max: 256 });
  const json = flag(args, 'json');
  const progress = progressPrinter(io, json);
  const log = json ? () => undefined : (line: string) => io.err.write(`${line}\n`);
  const traceArg = stringOption(args, 'trace');
  const opened = portPath ? await openBarePort(portPath, io.signal) : await openRigPort(rigPath(rigFile, io), io.signal, clock, virtual);
  let traceFile: TraceFile | undefined;
  try {
    traceFile =
      traceArg === undefined
        ? undefined
        : openTraceFile(
            resolve(io.cwd, traceArg),
            `plugrig frame trace, ${opened.target}, ${new Date(clock.wallNow()).toISOString()}; ms since start, TX/RX, bytes, command, hex`,
            clock,
          );
  } catch (e) {
    await opened.close().catch(() => undefined);
    throw e;
  }
  // Pipelining relies on the chip buffering frames while it erases/programs; whether the BK7231N
  // ROM does is not published (docs/bk7231n-download-protocol.md §16), so every session is stop-and-wait unless --pipeline
  // says otherwise (e.g. against a simulator configured with an unlimited receive buffer).
  const depth = pipelineOpt ?? 1;
  let flasher: Flasher;
  if (portPath) {
    // Always on stderr, --json too: without it the user does not know the tool waits for them.
    io.err.write(
      `waiting up to ${waitS} s for the chip on ${portPath}: reset it now (CEN to GND briefly, or unplug and replug its 3.3 V); --wait <s> to change\n`,
    );
  }
  try {
    flasher = await Flasher.connect({
      ...(portPath ? { link: { bareBudgetMs: waitS * 1000 } } : {}),
      port: opened.port,
      resets: opened.resets,
      baudRate,
      signal: io.signal,
      progress,
      log,
      pipelineDepth: depth,
      efuse: opts.efuse ?? false,
      clock,
      ...(traceFile ? { trace: traceFile.trace } : {}),
    });
  } catch (e) {
    if (!opened.port.destroyed && opened.port.isOpen) await new Promise<void>((r) => opened.port.close(() => r()));
    await opened.close().catch(() => undefined);
    traceFile?.close();
    throw withTraceHint(portPath ? withWaitHint(e, waitS) : e, traceFile?.path);
  }
  return {
    flasher,
    target: opened.target,
    rigName: opened.rigName,
    json,
    progress,
    log,
    ...(traceFile ? { traceFile: traceFile.path } : {}),
    close: async () => {
      await flasher.close().catch(() => undefined);
      await opened.close().catch(() => undefined);
      traceFile?.close();
      ownClock?.stop();
    },
  };
}

/** Seconds since now on `clock`, each time the returned function is called. */
export function stopwatch(clock: Clock): () => number {
  const t0 = clock.now();
  return () => (clock.now() - t0) / 1000;
}

/** What a command prints at its end: with --json the summary object, else the text for people. */
export function writeOutcome(s: Pick<Session, 'json'>, io: CommandIo, summary: object, text: string): void {
  io.out.write(s.json ? JSON.stringify(summary, null, 2) + '\n' : text);
}

/** Runs `body` with an open session and always releases it. */
export async function withSession<T>(args: ParsedCommandArgs, io: CommandIo, body: (s: Session) => Promise<T>, opts: SessionOptions = {}): Promise<T> {
  const session = await openSession(args, io, opts);
  try {
    return await body(session);
  } catch (e) {
    throw withTraceHint(e, session.traceFile);
  } finally {
    await session.close();
  }
}

export function formatMac(mac: string | undefined): string {
  return mac ? mac.replace(/(..)(?!$)/g, '$1:') : 'unknown';
}
