/**
 * Plays a BL0937 for the module: CF at the power frequency, CF1 at the voltage or current frequency
 * depending on the SEL level the module drives. Each SEL edge re-sets CF1; the delay between the
 * edge and the new frequency is recorded, because CF1 pulses of the old quantity leak into the new
 * window during it.
 */
import type { InputLine, Level, PulseOutput } from '../io/types.js';
import { cf1For, type Bl0937Freqs } from './bl0937-math.js';
import { realClock, type Clock } from '../core/clock.js';
import { nsToMs, waitUntil } from './edges.js';

export interface SelEdge {
  level: Level;
  tNs: bigint;
  /** From the SEL edge to CF1 running at the new frequency, ms (undefined until done). */
  followMs?: number;
}

export class Bl0937Synth {
  readonly selEdges: SelEdge[] = [];
  private freqs: Bl0937Freqs | undefined;
  private lastLevel: Level | undefined;
  private unwatch: (() => void) | undefined;
  private readonly waiters = new Set<() => void>();
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;

  constructor(
    private readonly cf: PulseOutput,
    private readonly cf1: PulseOutput,
    private readonly sel: InputLine,
    private readonly selInverted: boolean,
    /** The clock the SEL line stamps its edges with (the rig's); also runs the waits' deadlines. */
    private readonly clock: Clock = realClock,
  ) {}

  /** Starts (or changes) the synthetic load. */
  async setLoad(f: Bl0937Freqs): Promise<void> {
    this.freqs = f;
    this.unwatch ??= this.sel.watch((e) => this.follow(e.level, e.tNs));
    // The level is read inside the queued step: an edge arriving meanwhile queues its own set after it.
    await this.enqueue(async () => {
      const level = await this.sel.read();
      this.lastLevel ??= level;
      await this.cf.set(f.cfHz, 0.5);
      await this.cf1.set(cf1For(level, this.selInverted, f), 0.5);
    });
  }

  private follow(level: Level, tNs: bigint): void {
    if (this.lastLevel === level) return; // a repeat is no SEL change
    this.lastLevel = level;
    const edge: SelEdge = { level, tNs };
    this.selEdges.push(edge);
    for (const w of [...this.waiters]) w();
    void this.enqueue(async () => {
      if (!this.freqs) return;
      await this.cf1.set(cf1For(level, this.selInverted, this.freqs), 0.5);
      edge.followMs = nsToMs(this.clock.nowNs() - tNs);
    }).catch(() => undefined);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((e) => {
      this.error ??= e;
    });
    return this.chain.then(() => {
      if (this.error) throw this.error;
    });
  }

  /** SEL edges seen so far. */
  get edgeCount(): number {
    return this.selEdges.length;
  }

  /** Resolves true once the edge count reaches `count`, false at the deadline; rejects with E_ABORTED. */
  waitForEdgeCount(count: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return waitUntil(this.clock, this.waiters, () => this.selEdges.length >= count, timeoutMs, 'BL0937 synthesis', signal);
  }

  /** Worst follow delay of the edges from index `from` on, ms; also fails if a CF1 set failed. */
  worstFollowMs(from: number): number {
    if (this.error) throw this.error;
    return this.selEdges.slice(from).reduce((m, e) => Math.max(m, e.followMs ?? 0), 0);
  }

  /** Stops both pulse trains and the SEL watch. Always call (finally). */
  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    this.freqs = undefined;
    this.lastLevel = undefined;
    this.waiters.clear();
    await this.chain;
    await Promise.allSettled([this.cf.stop(), this.cf1.stop()]);
  }
}
