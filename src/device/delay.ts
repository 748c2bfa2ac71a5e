import { AbortedError } from '../core/errors.js';

/** Sleeps, or rejects with E_ABORTED as soon as the signal fires. */
export function delay(ms: number, signal?: AbortSignal, what = 'wait'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(what));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(what));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Milliseconds on the host's monotonic clock (same clock as Edge.tNs). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
