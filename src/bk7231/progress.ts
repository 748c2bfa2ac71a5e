/** Progress of a long operation: bytes done, rate and ETA (on the session's clock), emitted at most every `everyMs`. */
import { realClock, type Clock } from '../core/clock.js';

export interface Progress {
  phase: string;
  done: number;
  total: number;
  bytesPerSec: number;
  etaMs: number;
}

export type ProgressFn = (p: Progress) => void;

export class ProgressMeter {
  private done = 0;
  private readonly started: number;
  private lastEmit = Number.NEGATIVE_INFINITY;

  constructor(
    readonly phase: string,
    readonly total: number,
    private readonly fn: ProgressFn | undefined,
    private readonly everyMs = 100,
    private readonly clock: Clock = realClock,
  ) {
    this.started = clock.now();
    this.emit(true);
  }

  add(bytes: number): void {
    this.done = Math.min(this.total, this.done + bytes);
    this.emit(this.done === this.total);
  }

  finish(): void {
    this.done = this.total;
    this.emit(true);
  }

  private emit(force: boolean): void {
    if (!this.fn) return;
    const now = this.clock.now();
    if (!force && now - this.lastEmit < this.everyMs) return;
    this.lastEmit = now;
    const secs = (now - this.started) / 1000;
    const bytesPerSec = secs > 0 ? this.done / secs : 0;
    const etaMs = bytesPerSec > 0 ? ((this.total - this.done) / bytesPerSec) * 1000 : Number.NaN;
    this.fn({ phase: this.phase, done: this.done, total: this.total, bytesPerSec, etaMs });
  }
}
