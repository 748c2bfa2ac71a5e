/**
 * Switching the line speed (docs/bk7231n-download-protocol.md §6.4): send SetBaudRate at the current speed, wait until it
 * has left the host, sleep delay/2, switch the host, then wait for the echo at the new speed
 * (a stale link-check reply in front of it is skipped by the transport). On failure the host goes
 * back to 115200, checks the chip is still there, and tries again a bounded number of times.
 */
import { sleep } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import { encode, expect } from './frames.js';
import type { Transport } from './transport.js';

export interface BaudOptions {
  /** Delay the chip waits before switching, ms (tools use 15–200; 20 is BKT/HID's). */
  delayMs?: number;
  attempts?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

const ROM_BAUD = 115200;

export async function switchBaud(t: Transport, target: number, opts: BaudOptions = {}): Promise<void> {
  if (t.baudRate === target) return;
  const delayMs = opts.delayMs ?? 20;
  const attempts = opts.attempts ?? 3;
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    const from = t.baudRate;
    try {
      const reply = t.await(expect.setBaudRate(target, delayMs), delayMs + 500 + t.wireMs(12), opts.signal);
      t.write(encode.setBaudRate(target, delayMs));
      await t.drain();
      await sleep(t.clock, delayMs / 2, opts.signal);
      await t.setBaud(target);
      await reply;
      // A short settle before the first command at the new speed: the chip's UART has only just
      // switched (and the simulator may deliver the echo a fraction of a ms before its switch time).
      await sleep(t.clock, 3, opts.signal);
      return;
    } catch (e) {
      last = e;
      if (e instanceof PlugrigError && (e.code === 'E_ABORTED' || e.code === 'E_PORT_GONE')) throw e;
      t.abandonPending(new PlugrigError('E_BAUD', 'baud switch abandoned'));
      // The echo may have been lost although the chip switched: ask at the new speed first.
      if (await answersAt(t, target, opts.signal)) return;
      opts.log?.(`baud: no echo at ${target} (attempt ${i}/${attempts}), back to ${from}`);
      await answersAt(t, from === target ? ROM_BAUD : from, opts.signal);
    }
  }
  throw new PlugrigError(
    'E_BAUD',
    `could not switch to ${target} baud after ${attempts} attempts (${(last as Error)?.message ?? 'no echo'})`,
    'the adapter may not support this speed: try --baud 921600 or 115200',
  );
}

/** Sets the host to `baud` and sends one link check; true if the chip answers there. */
async function answersAt(t: Transport, baud: number, signal?: AbortSignal): Promise<boolean> {
  await t.setBaud(baud);
  await sleep(t.clock, 5, signal);
  await t.drainInput(5, 50);
  try {
    await t.request(encode.linkCheck(), expect.linkCheck(), { signal, marginMs: 80 });
    await t.drainInput(5, 50);
    return true;
  } catch (e) {
    if (e instanceof PlugrigError && (e.code === 'E_ABORTED' || e.code === 'E_PORT_GONE')) throw e;
    t.abandonPending(new PlugrigError('E_BAUD', 'probe abandoned'));
    return false;
  }
}
