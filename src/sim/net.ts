/**
 * One wire between the simulated module and the fixture (a CB2S pad, or the power / CEN line).
 * Two sides can drive it: the host (the rig's line) and the module (firmware or ROM). A driver
 * drives 0, 1 or releases ('z'); low wins (open-drain wiring, and a short reads low on real boards),
 * otherwise any high wins, otherwise the pull decides. The host may also put a pulse train on a
 * net (a PWM output): its edges are counted analytically, so a 1.7 kHz train costs no timers.
 */
import { realSimClock, type SimClock } from './clock.js';

export type NetLevel = 0 | 1;
export type Drive = 0 | 1 | 'z';
export type Pull = 'up' | 'down' | 'none';

export interface PulseTrain {
  hz: number;
  duty: number;
  /** The net's clock (ms) when the train (re)started; the first falling edge is at start + duty/hz. */
  startMs: number;
}

export type NetListener = (level: NetLevel, tMs: number) => void;

export class PadNet {
  private host: Drive = 'z';
  private module: Drive = 'z';
  private pulse: PulseTrain | null = null;
  private readonly listeners = new Set<NetListener>();
  private last: NetLevel;

  constructor(
    readonly name: string,
    private pull: Pull = 'up',
    /** The module's clock: pulse trains and change times read it, lines over the net take their timestamps and timers from it. */
    readonly clock: SimClock = realSimClock,
  ) {
    this.last = this.level();
  }

  setHostDrive(d: Drive): void {
    this.host = d;
    this.pulse = null;
    this.changed();
  }

  setModuleDrive(d: Drive): void {
    this.module = d;
    this.changed();
  }

  setPull(p: Pull): void {
    this.pull = p;
    this.changed();
  }

  hostDrive(): Drive {
    return this.host;
  }

  moduleDrive(): Drive {
    return this.module;
  }

  /** Host drives a pulse train (null stops it and releases the net). */
  setHostPulse(train: Omit<PulseTrain, 'startMs'> | null): void {
    this.pulse = train && train.hz > 0 ? { ...train, startMs: this.clock.now() } : null;
    this.host = 'z';
    this.changed();
  }

  hostPulse(): PulseTrain | null {
    return this.pulse;
  }

  level(): NetLevel {
    const m = this.module;
    const h = this.pulse ? this.pulseLevel(this.pulse, this.clock.now()) : this.host;
    if (m === 0 || h === 0) return 0;
    if (m === 1 || h === 1) return 1;
    return this.pull === 'down' ? 0 : this.pull === 'up' ? 1 : 1;
  }

  /** Falling edges of the host's pulse train in (t0, t1], as a module-side edge counter would see them. */
  fallingEdgesBetween(t0: number, t1: number): number {
    const p = this.pulse;
    if (!p || t1 <= t0 || this.module === 0) return 0;
    const periodMs = 1000 / p.hz;
    const firstFall = p.startMs + p.duty * periodMs;
    const count = (t: number) => (t < firstFall ? 0 : Math.floor((t - firstFall) / periodMs) + 1);
    return count(t1) - count(Math.max(t0, p.startMs));
  }

  onChange(listener: NetListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private pulseLevel(p: PulseTrain, t: number): NetLevel {
    const periodMs = 1000 / p.hz;
    const phase = ((t - p.startMs) % periodMs) / periodMs;
    return phase < p.duty ? 1 : 0;
  }

  private changed(): void {
    const now = this.level();
    if (now === this.last) return;
    this.last = now;
    const t = this.clock.now();
    for (const l of [...this.listeners]) l(now, t);
  }
}
