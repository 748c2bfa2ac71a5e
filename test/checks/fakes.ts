/**
 * Test doubles for the checks: wires with host-timestamped edges, output/input/pulse lines over
 * them, and a PhaseContext that collects measurements.
 */
import type { DeviceApi, UnitResources } from '../../src/core/resources.js';
import type { Template } from '../../src/device/template.js';
import type { FixtureLine } from '../../src/rig/types.js';
import { buildResources } from '../../src/run/resources/index.js';
import { noResources } from '../../src/run/resources/none.js';
import { realClock, type Clock } from '../../src/core/clock.js';
import type { Edge, InputLine, Level, OutputLine, PulseOutput } from '../../src/io/types.js';
import { measurement } from '../../src/core/measurement.js';
import type { Measurement, MeasurementInput, PhaseContext, UnitIdentity } from '../../src/core/run-types.js';

/** One wire: host drive (0/1/'z') and peer drive; low wins; pulled up when nobody drives. */
export class Wire {
  host: Level | 'z' = 'z';
  peer: Level | 'z' = 'z';
  private last: Level = 1;
  private readonly listeners = new Set<(e: Edge) => void>();
  /** Edges are stamped on `clock` (the host's, as a rig's lines are). */
  constructor(
    readonly name: string,
    readonly clock: Clock = realClock,
  ) {}
  level(): Level {
    if (this.host === 0 || this.peer === 0) return 0;
    return 1;
  }
  private changed(): void {
    const l = this.level();
    if (l !== this.last) {
      this.last = l;
      const e = { level: l, tNs: this.clock.nowNs() };
      for (const cb of [...this.listeners]) cb(e);
    }
  }
  setHost(d: Level | 'z'): void {
    this.host = d;
    this.changed();
  }
  setPeer(d: Level | 'z'): void {
    this.peer = d;
    this.changed();
  }
  onEdge(cb: (e: Edge) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}

export function outputLine(w: Wire): OutputLine {
  return {
    name: w.name,
    set: async (l) => w.setHost(l),
    get: async () => w.level(),
    release: async () => w.setHost('z'),
    close: async () => w.setHost('z'),
  };
}

export function inputLine(w: Wire): InputLine & { watchers: number } {
  const line = {
    name: w.name,
    watchers: 0,
    read: async () => w.level(),
    watch(cb: (e: Edge) => void) {
      line.watchers += 1;
      const off = w.onEdge(cb);
      return () => {
        line.watchers -= 1;
        off();
      };
    },
    close: async () => undefined,
  };
  return line;
}

/** A pulse output that remembers its frequency (0 when stopped) and every change. */
export class FakePulse implements PulseOutput {
  hz = 0;
  readonly history: { hz: number; tNs: bigint }[] = [];
  constructor(
    readonly name: string,
    private readonly stepHz = 0,
    private readonly clock: Clock = realClock,
  ) {}
  async set(hz: number): Promise<void> {
    this.hz = hz;
    this.history.push({ hz, tNs: this.clock.nowNs() });
  }
  async stop(): Promise<void> {
    this.hz = 0;
    this.history.push({ hz: 0, tNs: this.clock.nowNs() });
  }
  resolutionHz(): number {
    return this.stepHz;
  }
  async close(): Promise<void> {}
}

export class SkipSignal extends Error {
  /** The brand the runner's skip carries: phase() lets it through untouched. */
  readonly skipsPhase = true;
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface FakeContext extends PhaseContext {
  measurements: Measurement[];
  logs: string[];
  unit: UnitIdentity;
  get(name: string): Measurement | undefined;
  failed(): Measurement[];
}

export function fakeContext(
  signal = new AbortController().signal,
  phase = 'test',
  clock: Clock = realClock,
  resources: UnitResources = noResources('a fake context'),
): FakeContext {
  const measurements: Measurement[] = [];
  const logs: string[] = [];
  const unit: UnitIdentity = {};
  return {
    signal,
    phase,
    attempt: 1,
    clock,
    resources,
    measurements,
    logs,
    unit,
    measure(m: MeasurementInput) {
      const r = measurement(m);
      measurements.push(r);
      return r;
    },
    progress() {},
    log(message) {
      logs.push(message);
    },
    identify(u) {
      Object.assign(unit, u);
    },
    artifact() {},
    skip(reason: string): never {
      throw new SkipSignal(reason);
    },
    get(name) {
      return measurements.find((m) => m.name === name);
    },
    failed() {
      return measurements.filter((m) => m.verdict === 'FAIL');
    },
  };
}

/** The resources a check gets on a rig with only these fixture lines (no power/CEN), through the real buildResources. */
export function rigResources(o: {
  client: DeviceApi;
  fixture: ReadonlyMap<number, FixtureLine> | [number, FixtureLine][];
  template?: Template;
  clock?: Clock;
  name?: string;
}): UnitResources {
  const fixture = o.fixture instanceof Map ? o.fixture : new Map(o.fixture as [number, FixtureLine][]);
  const rig = { name: o.name ?? 'fake', clock: o.clock ?? realClock, fixture, resets: [], releaseUartPads: async () => undefined };
  return buildResources({ rig, client: o.client, ...(o.template ? { template: o.template } : {}) });
}
