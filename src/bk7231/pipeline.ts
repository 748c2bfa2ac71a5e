/**
 * Keeps up to `depth` requests outstanding so the wire never idles between frames while the chip
 * erases or programs (replies come back in order). Per-item failures are collected, not thrown,
 * except those that end the session (port gone, aborted).
 */
import { PlugrigError } from '../errors.js';

export const FATAL_CODES = new Set(['E_PORT_GONE', 'E_ABORTED', 'E_PORT_CLOSED', 'E_PROTECTED']);

export function isFatal(e: unknown): boolean {
  return e instanceof PlugrigError && FATAL_CODES.has(e.code);
}

export async function pipelined<T>(
  items: readonly T[],
  depth: number,
  start: (item: T) => Promise<void>,
  onFailure: (item: T, error: unknown) => void,
): Promise<void> {
  const inflight: Promise<void>[] = [];
  let fatal: unknown;
  for (const item of items) {
    if (fatal) break;
    const p = start(item).catch((e: unknown) => {
      if (isFatal(e)) fatal ??= e;
      else onFailure(item, e);
    });
    inflight.push(p);
    if (inflight.length >= Math.max(1, depth)) await inflight.shift();
  }
  await Promise.all(inflight);
  if (fatal) throw fatal;
}
