/**
 * The rig's lines on the simulated module: the same OutputLine / InputLine / PulseOutput the Pi
 * backends give, over the module's PadNets. Push-pull drives 0/1; open-drain drives 0 or lets go
 * (the net's pull decides); a pulse output puts an analytic pulse train on the net (no timers).
 * Input edges are stamped from the net's clock, the module's: with the real clock that is the
 * host's hrtime base (as the Pi backend stamps), with a shared virtual clock the host's virtual time.
 */
import { PlugrigError } from '../core/errors.js';
import type { Edge, InputLine, Level, OutputLine, PulseOutput } from '../io/types.js';
import { simTimeout } from './clock.js';
import type { PadNet } from './net.js';

export type SimDrive = 'push-pull' | 'open-drain';

function closedError(name: string): PlugrigError {
  return new PlugrigError('E_LINE_CLOSED', `line ${name} is closed`, 'open the rig again');
}

export function simOutputLine(name: string, net: PadNet, drive: SimDrive = 'push-pull'): OutputLine {
  let closed = false;
  const live = () => {
    if (closed) throw closedError(name);
  };
  return {
    name,
    async set(level: Level) {
      live();
      net.setHostDrive(drive === 'open-drain' && level === 1 ? 'z' : level);
    },
    async get() {
      live();
      return net.level();
    },
    async release() {
      live();
      net.setHostDrive('z');
    },
    async close() {
      if (closed) return;
      closed = true;
      net.setHostDrive('z');
    },
  };
}

export function simInputLine(name: string, net: PadNet): InputLine {
  let closed = false;
  const unsubs = new Set<() => void>();
  return {
    name,
    async read() {
      if (closed) throw closedError(name);
      return net.level();
    },
    watch(onEdge, debounceMs = 0) {
      if (closed) throw closedError(name);
      const settle = settledEdges(net, debounceMs, onEdge);
      const unsub = () => {
        settle.stop();
        unsubs.delete(unsub);
      };
      unsubs.add(unsub);
      return unsub;
    },
    async close() {
      closed = true;
      for (const u of [...unsubs]) u();
    },
  };
}

/**
 * The simulated line's own debounce: a change is reported once the net has kept its level for
 * `debounceMs` of the net's clock, stamped with the moment it changed to that level, so chatter
 * delays the report but does not move the edge. A level the net returns to before settling is not
 * reported at all. Without a debounce every change is reported as it happens.
 */
function settledEdges(net: PadNet, debounceMs: number, onEdge: (e: Edge) => void): { stop(): void } {
  let reported: Level = net.level();
  let latest: Edge | undefined;
  let timer: unknown;
  const cancelTimer = () => {
    if (timer !== undefined) net.clock.clearTimeout(timer);
    timer = undefined;
  };
  const report = (e: Edge) => {
    if (e.level === reported) return;
    reported = e.level;
    onEdge(e);
  };
  const off = net.onChange((level, tMs) => {
    const edge: Edge = { level, tNs: BigInt(Math.round(tMs * 1e6)) };
    if (!(debounceMs > 0)) return report(edge);
    cancelTimer();
    latest = edge;
    if (level === reported) return; // bounced back before it settled: nothing to report
    timer = simTimeout(
      net.clock,
      () => {
        timer = undefined;
        if (latest) report(latest);
      },
      debounceMs,
    );
  });
  return {
    stop() {
      cancelTimer();
      off();
    },
  };
}

/** A simulated PWM channel. clockHz models a real PWM's period quantisation; without it the train is exact. */
export function simPulseOutput(name: string, net: PadNet, opts: { clockHz?: number } = {}): PulseOutput {
  let closed = false;
  const live = () => {
    if (closed) throw closedError(name);
  };
  const q = opts.clockHz ? 1e9 / opts.clockHz : 0;
  return {
    name,
    async set(hz: number, duty = 0.5) {
      live();
      if (!Number.isFinite(hz) || hz <= 0)
        throw new PlugrigError('E_PWM_RANGE', `${name}: frequency ${hz} Hz is not positive`, 'use stop() to turn the output off');
      if (!Number.isFinite(duty) || duty < 0 || duty > 1)
        throw new PlugrigError('E_PWM_RANGE', `${name}: duty ${duty} outside 0..1`, 'give the duty as a fraction, e.g. 0.5');
      const actualHz = q ? 1e9 / (Math.max(2, Math.round(1e9 / hz / q)) * q) : hz;
      net.setHostPulse({ hz: actualHz, duty });
    },
    async stop() {
      live();
      net.setHostPulse(null);
    },
    resolutionHz(hz: number) {
      if (!q) return 0;
      const p = Math.max(2, Math.round(1e9 / hz / q)) * q;
      return 1e9 / p - 1e9 / (p + q);
    },
    async close() {
      if (closed) return;
      closed = true;
      net.setHostPulse(null);
    },
  };
}
