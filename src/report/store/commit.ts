/**
 * What both stores do around a commit, whatever the medium: refuse appends once closed or when
 * read-only, wrap a failed write in one typed error, and tell subscribers of each committed event
 * in seq order (a listener's bug must not stop the store).
 */
import { PlugrigError } from '../../core/errors.js';
import type { StoredEvent } from './types.js';

/** The reason an append cannot be taken, or undefined when it can. */
export function appendRefused(state: { closed: boolean; readOnly: boolean; where: string }): PlugrigError | undefined {
  if (state.closed) return new PlugrigError('E_STORE_CLOSED', 'the record store is closed', 'this is a bug: events after shutdown');
  if (state.readOnly) return new PlugrigError('E_STORE_READONLY', `the record store ${state.where} was opened read-only`, '');
  return undefined;
}

/** The store could not be created or opened where --store / PLUGRIG_HOME put it. */
export function storeOpenError(verb: 'create' | 'open', where: string, cause: unknown, storeArg: 'dir' | 'path'): PlugrigError {
  const hint = `pass --store <${storeArg}> or set PLUGRIG_HOME to a writable directory`;
  return new PlugrigError('E_STORE_OPEN', `cannot ${verb} the record store ${where}: ${(cause as Error).message}`, hint, { cause });
}

export function storeWriteError(where: string, cause: unknown): PlugrigError {
  return new PlugrigError(
    'E_STORE_WRITE',
    `could not write the record store ${where}: ${(cause as Error).message}`,
    'check free space and permissions of the store directory',
    { cause },
  );
}

/** A batch waiting for its commit: each append's promise settles with it. */
export interface PendingAppend {
  stored: StoredEvent;
  resolve(s: StoredEvent): void;
  reject(e: unknown): void;
}

/** The live feed of committed events, and the store's life: open until close() begins. */
export class CommitFeed {
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  /** True once close() began: appends are refused from then on. */
  closed = false;

  subscribe(listener: (e: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After the batch is durable: resolves each append, then tells the subscribers, in order. */
  committed<P extends PendingAppend>(batch: readonly P[], each: (p: P) => void = () => undefined): void {
    for (const p of batch) {
      each(p);
      p.resolve(p.stored);
      for (const l of this.listeners) {
        try {
          l(p.stored);
        } catch {
          /* a listener's bug must not stop the store */
        }
      }
    }
  }

  /**
   * Closes the store once: `finish` commits what was already accepted and frees the medium (files,
   * database); then the feed falls silent and the writer lock, if any, is freed.
   */
  async close(finish: () => Promise<void> | void, lock?: { release(): Promise<void> }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await finish();
    this.listeners.clear();
    await lock?.release();
  }
}
