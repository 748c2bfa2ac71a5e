/**
 * OpenBeken counts resets that come before 5 s of uptime; more than 4 in a row put it into safe
 * mode (docs/openbeken-behaviour.md §4). After the rig boots a freshly flashed app, this guard refuses any
 * further reset before the app has run MIN_UPTIME_MS (6 s, a second of margin). Pure: the clock is injected (the rig passes its own).
 */
import { realClock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';

export const MIN_UPTIME_BEFORE_RESET_MS = 6000;

export class BootGuard {
  private bootedAt: number | undefined;

  constructor(
    readonly minUptimeMs = MIN_UPTIME_BEFORE_RESET_MS,
    private readonly now: () => number = () => realClock.now(),
  ) {}

  /** The app was released from reset just now. */
  markBooted(): void {
    this.bootedAt = this.now();
  }

  /** ms until a reset is allowed again (0 when allowed). */
  remainingMs(): number {
    if (this.bootedAt === undefined) return 0;
    return Math.max(0, this.minUptimeMs - (this.now() - this.bootedAt));
  }

  /** Throws E_RESET_TOO_SOON for a reset inside the window; otherwise forgets the boot (the reset ends that app run). */
  beforeReset(what: string): void {
    const left = this.remainingMs();
    if (left > 0) {
      const up = Math.round(this.now() - this.bootedAt!);
      throw new PlugrigError(
        'E_RESET_TOO_SOON',
        `${what}: refused, the app booted only ${up} ms ago; a reset before ${this.minUptimeMs} ms of uptime counts toward OpenBeken's safe mode (more than 4 early resets in a row)`,
        `wait ${Math.ceil(left)} ms before resetting the module again`,
      );
    }
    this.bootedAt = undefined;
  }
}
