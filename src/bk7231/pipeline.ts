/**
 * Keeps up to `depth` requests outstanding so the wire never idles between frames while the chip
 * erases or programs (replies come back in order). Per-item failures are collected, not thrown,
 * except those that end the session (port gone, aborted). A reply timeout stops further issuing:
 * a chip that went silent (reset, brown-out) must not be fed the rest of the job, each waiting
 * out its own deadline; the caller checks the chip is alive and resumes with what was not started.
 */
import { PlugrigError } from '../core/errors.js';

export const FATAL_CODES = new Set(['E_PORT_GONE', 'E_ABORTED', 'E_PORT_CLOSED', 'E_PROTECTED', 'E_CHIP_LOST']);

export function isFatal(e: unknown): boolean {
  return e instanceof PlugrigError && FATAL_CODES.has(e.code);
}

export function isTimeout(e: unknown): boolean {
  return e instanceof PlugrigError && (e.code === 'E_REPLY_TIMEOUT' || e.code === 'E_REPLY_LOST');
}

/** The items to issue, how many may be outstanding, how each is issued and where its failure goes. */
export interface PipelineWork<T> {
  items: readonly T[];
  depth: number;
  start: (item: T) => Promise<void>;
  onFailure: (item: T, error: unknown) => void;
}

export interface PipelineOutcome<T> {
  /** Items never issued because a timeout stopped the pipeline. */
  notStarted: T[];
  timedOut: boolean;
}

/** `onStall` is called once at the first timeout: reject what is still outstanding instead of waiting it out. */
export async function pipelined<T>(work: PipelineWork<T>, onStall?: () => void): Promise<PipelineOutcome<T>> {
  const { items, depth, start, onFailure } = work;
  const inflight: Promise<void>[] = [];
  let fatal: unknown;
  let timedOut = false;
  let i = 0;
  for (; i < items.length; i++) {
    if (fatal || timedOut) break;
    const item = items[i]!;
    const p = start(item).catch((e: unknown) => {
      if (isFatal(e)) fatal ??= e;
      else {
        if (e instanceof PlugrigError && e.code === 'E_REPLY_TIMEOUT' && !timedOut) {
          timedOut = true;
          onStall?.();
        }
        onFailure(item, e);
      }
    });
    inflight.push(p);
    if (inflight.length >= Math.max(1, depth)) await inflight.shift();
  }
  await Promise.all(inflight);
  if (fatal) throw fatal;
  return { notStarted: items.slice(i), timedOut };
}

/** What pipelinedAll does at a stall: prove the chip still answers (or throw), and drop what is outstanding. */
export interface StallHandling {
  ensureAlive: () => Promise<void>;
  abandon?: () => void;
}

/**
 * pipelined() until every item was issued: after a stall `ensureAlive` must prove the chip still
 * answers (or throw), then the rest goes on. At most `maxStalls` stalls.
 */
export async function pipelinedAll<T>(work: PipelineWork<T>, stall: StallHandling, maxStalls = 4): Promise<void> {
  let rest: readonly T[] = work.items;
  for (let stalls = 0; rest.length > 0 || stalls === 0; stalls++) {
    const out = await pipelined({ ...work, items: rest }, stall.abandon);
    if (!out.timedOut) return;
    await stall.ensureAlive();
    if (stalls >= maxStalls) {
      for (const item of out.notStarted) work.onFailure(item, new PlugrigError('E_REPLY_TIMEOUT', 'not attempted after repeated timeouts'));
      return;
    }
    rest = out.notStarted;
    if (rest.length === 0) return;
  }
}

/** What a stall needs of a chip session (Chip has it). */
export interface StallingChip {
  ensureAlive(during: string): Promise<void>;
  readonly t: { abandonPending(reason: Error): void };
}

/**
 * pipelinedAll on a chip session: at a stall the outstanding requests are abandoned (they would only
 * wait out their deadlines) and the chip must pass ensureAlive(`during`) before the rest goes on.
 */
export function pipelinedOnChip<T>(chip: StallingChip, during: string, work: PipelineWork<T>): Promise<void> {
  return pipelinedAll(work, {
    ensureAlive: () => chip.ensureAlive(during),
    abandon: () => chip.t.abandonPending(new PlugrigError('E_REPLY_TIMEOUT', 'abandoned after an earlier reply timed out')),
  });
}
