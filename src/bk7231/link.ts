/**
 * Getting the chip into download mode (docs/bk7231n-download-protocol.md §6.3): spam LinkCheck every few ms while a reset
 * sequence runs and for a listening period after it, stop at the first valid reply, then drain the
 * replies still in flight. Cycles through the rig's reset sequences (CEN pulse first, power cycle as
 * the fallback) under p-retry with a bound. With no reset sequence at all (a bare port) it spams for
 * the whole budget: the chip may already be in download mode, or a human resets it.
 * On failure the error names the likely cause from what was heard.
 */
import pRetry, { AbortError as RetryAbort } from 'p-retry';
import { sleep, type Clock } from '../core/clock.js';
import { AbortedError, PlugrigError } from '../core/errors.js';
import type { ResetSequence } from '../rig/types.js';
import { encode, expect } from './frames.js';
import type { Transport } from './transport.js';

export interface LinkOptions {
  resets: readonly ResetSequence[];
  /** Link cycles (one reset + listen each). Default 6. */
  cycles?: number;
  /** Gap between link checks, ms (1–5 per §6.3). Default 2. */
  spamIntervalMs?: number;
  /** How long to keep spamming after a reset sequence has finished. Default 600 ms. */
  listenMs?: number;
  /** Bare port (no resets): total spam time. Default 10 s. */
  bareBudgetMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Speeds to try when nothing answers at 115200: a chip left in download mode by an earlier session. */
  probeBauds?: readonly number[];
  /** Pause between two link cycles, on the transport's clock. Default 0 (the next reset starts at once). */
  cycleGapMs?: number;
}

export interface LinkResult {
  cycles: number;
  reset?: string;
  /** Baud the link answered at (115200 unless a chip was found left at another speed). */
  baudRate: number;
  ms: number;
}

/** What the host heard during the link attempts: the basis of the failure diagnosis. */
export interface Heard {
  bytes: number;
  garbage: number;
  frames: number;
  text: string;
}

const ROM_BAUD = 115200;

/** One cycle: spam while `during` runs and `listenMs` after it; resolves true at the first valid reply. */
async function spamCycle(t: Transport, during: () => Promise<void>, listenMs: number, intervalMs: number, signal?: AbortSignal): Promise<boolean> {
  const clock: Clock = t.clock;
  const frame = encode.linkCheck();
  let done = false;
  let got = false;
  const reply = t.await(expect.linkCheck(), 24 * 3600_000, signal).then(
    () => (got = true),
    () => undefined,
  );
  let spamError: unknown;
  const spam = (async () => {
    while (!done && !got) {
      t.write(frame);
      await sleep(clock, intervalMs);
    }
  })().catch((e: unknown) => {
    spamError = e;
  });
  try {
    await Promise.race([during(), reply]);
    if (!got) {
      // The listen timer must not outlive a reply (it would hold the process open for the budget).
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.race([sleep(clock, listenMs, stop.signal).catch(() => undefined), reply.then(() => stop.abort())]);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        stop.abort();
      }
      if (signal?.aborted) throw new AbortedError('link');
    }
  } finally {
    done = true;
    await spam;
    if (!got) t.abandonPending(new AbortedError('link cycle'));
  }
  if (spamError && !got) throw spamError;
  return got;
}

/** The error for a failed link, naming the likely cause from what was heard. */
export function diagnoseLink(heard: Heard, cycles: number, resets: readonly ResetSequence[], bare: boolean): PlugrigError {
  const tried = bare ? `for the whole budget on a bare port (no reset lines)` : `over ${cycles} reset cycle(s) (${resets.map((r) => r.name).join(', ')})`;
  if (heard.bytes === 0) {
    return new PlugrigError(
      'E_LINK_NO_REPLY',
      `no reply to link checks ${tried}: nothing at all was received`,
      bare
        ? 'reset the chip (CEN to GND briefly, or power-cycle it) while this runs; check TX/RX are not swapped and go to UART1 (P10/P11)'
        : 'check TX/RX swap (host TX → P10 RX1), the 3.3 V supply, and that nothing holds RX1 (P10) low',
    );
  }
  const printable = heard.text.replace(/[^\x20-\x7e\r\n]/g, '').length;
  if (heard.frames === 0 && printable > heard.bytes * 0.7) {
    return new PlugrigError(
      'E_LINK_GARBAGE',
      `no download-mode reply ${tried}; received ${heard.bytes} bytes of text instead ("${heard.text.replace(/\s+/g, ' ').trim().slice(0, 40)}")`,
      'the firmware booted instead of the ROM listening: the reset did not reach CEN or the link checks started too late',
    );
  }
  return new PlugrigError(
    'E_LINK_GARBAGE',
    `no valid link reply ${tried}; received ${heard.bytes} bytes that are not frames (${heard.garbage} discarded)`,
    'replies at the wrong speed or a noisy line: check ground, wiring length, and that no other program uses the port',
  );
}

/** Acquires the link; the transport is left at 115200 (or the speed a left-over chip answered at). */
export async function acquireLink(t: Transport, opts: LinkOptions): Promise<LinkResult> {
  const clock = t.clock;
  const started = clock.now();
  const interval = opts.spamIntervalMs ?? 2;
  const listenMs = opts.listenMs ?? 600;
  const bare = opts.resets.length === 0;
  const cycles = bare ? 1 : Math.max(1, opts.cycles ?? 6);
  const heard: Heard = { bytes: 0, garbage: 0, frames: 0, text: '' };
  if (t.baudRate !== ROM_BAUD) await t.setBaud(ROM_BAUD);
  const onData = (d: Buffer) => {
    heard.bytes += d.length;
    if (heard.text.length < 200) heard.text += d.toString('latin1');
  };
  t.port.on('data', onData);
  const untap = t.tap(() => (heard.frames += 1));
  let cycle = 0;
  let resetName: string | undefined;
  try {
    await pRetry(
      async () => {
        if (opts.signal?.aborted) throw new RetryAbort(new AbortedError('link'));
        const reset = bare ? undefined : opts.resets[cycle % opts.resets.length]!;
        cycle++;
        resetName = reset?.name;
        if (reset) opts.log?.(`link: cycle ${cycle}/${cycles}, reset '${reset.name}' while sending link checks`);
        else opts.log?.('link: sending link checks — reset or power-cycle the chip now');
        const during = reset
          ? async () => {
              t.note(`reset '${reset.name}' (${reset.text})`);
              await reset.run(opts.signal);
              t.note(`reset '${reset.name}' done`);
            }
          : () => Promise.resolve();
        let ok: boolean;
        try {
          ok = await spamCycle(t, during, bare ? (opts.bareBudgetMs ?? 10_000) : listenMs, interval, opts.signal);
        } catch (e) {
          if (e instanceof PlugrigError && (e.code === 'E_ABORTED' || e.code === 'E_PORT_GONE')) throw new RetryAbort(e);
          throw e;
        }
        if (!ok) throw new PlugrigError('E_LINK_CYCLE', `no link reply in cycle ${cycle}`);
      },
      {
        retries: cycles - 1,
        // p-retry bounds the attempts; its own backoff (a real-time timer) stays off, and the gap
        // between cycles is waited here on the session's clock (p-retry awaits onFailedAttempt).
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        onFailedAttempt: async ({ retriesLeft }) => {
          if (retriesLeft > 0 && (opts.cycleGapMs ?? 0) > 0) await sleep(clock, opts.cycleGapMs!, opts.signal, 'link');
        },
      },
    );
  } catch (e) {
    const err = e instanceof RetryAbort ? (e.originalError as Error) : (e as Error);
    if (err instanceof PlugrigError && err.code !== 'E_LINK_CYCLE') throw err;
    heard.garbage = t.parser.discarded;
    const leftOver = await probeOtherSpeeds(t, opts.probeBauds ?? [921600, 2000000, 1500000, 460800], opts.signal);
    if (leftOver) {
      opts.log?.(`link: the chip answers at ${leftOver} baud (left in download mode by an earlier session)`);
      return { cycles: cycle, baudRate: leftOver, ms: clock.now() - started };
    }
    throw diagnoseLink(heard, cycle, opts.resets, bare);
  } finally {
    t.port.off('data', onData);
    untap();
  }
  // Every spammed check is answered: let the stale replies arrive, then forget them.
  await t.drainInput(15, 150);
  return { cycles: cycle, ...(resetName ? { reset: resetName } : {}), baudRate: ROM_BAUD, ms: clock.now() - started };
}

/** A few link checks at each speed; a chip already in download mode at that speed answers. */
async function probeOtherSpeeds(t: Transport, bauds: readonly number[], signal?: AbortSignal): Promise<number | undefined> {
  for (const baud of bauds) {
    if (signal?.aborted || t.isGone) break;
    await t.setBaud(baud);
    for (let i = 0; i < 3; i++) {
      try {
        await t.request(encode.linkCheck(), expect.linkCheck(), { signal, marginMs: 40 });
        await t.drainInput(10, 100);
        return baud;
      } catch (e) {
        if (e instanceof PlugrigError && e.code !== 'E_REPLY_TIMEOUT') break;
      }
    }
  }
  if (!t.isGone) await t.setBaud(ROM_BAUD);
  return undefined;
}
