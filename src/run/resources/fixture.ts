/**
 * The rig's fixture lines as the plan API's FixtureApi: pads by number or "P26", reads, edge
 * watches, presses and the BL0937 meter, all on the rig's clock. A pad that is not wired, or wired
 * as the wrong kind, is a PlugrigError naming the pad and the rig, so a phase fails saying why.
 */
import { sleep, type Clock } from '../../core/clock.js';
import { PlugrigError } from '../../core/errors.js';
import type { BlinkSummary, FixtureApi, Level, MeterApi, MeterConstants, Pad, PadWatch } from '../../core/resources.js';
import { blinkStats } from '../../checks/blink.js';
import { OBK_DEFAULT_CAL, frequenciesFor } from '../../checks/bl0937-math.js';
import { Bl0937Synth } from '../../checks/bl0937-synth.js';
import { EdgeRecorder } from '../../checks/edges.js';
import { pinsOfKind, type Template } from '../../device/template.js';
import type { InputLine, OutputLine, PulseOutput } from '../../io/types.js';
import type { FixtureLine, Rig } from '../../rig/types.js';

export type FixtureRig = Pick<Rig, 'name' | 'fixture' | 'clock'>;

export interface RigFixtureOptions {
  /** The meter's constants (units per Hz); default OpenBeken's, so an uncalibrated unit reads the load right. */
  calibration?: MeterConstants;
}

const KIND_TEXT: Record<FixtureLine['kind'], string> = { input: 'an input', output: 'an output', pulse: 'a pulse output' };

/** 26 or "P26" → 26; anything else is a usage error naming what was given. */
export function padNumber(pad: Pad): number {
  const n = typeof pad === 'number' ? pad : /^P\d{1,2}$/.test(String(pad)) ? Number(String(pad).slice(1)) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 31) {
    throw new PlugrigError('E_FIXTURE_PAD', `${JSON.stringify(pad)} is not a module pad`, 'give the BK7231N GPIO number (26) or its name ("P26")');
  }
  return n;
}

export function rigFixture(rig: FixtureRig, template?: Template, opts: RigFixtureOptions = {}): FixtureApi {
  const clock = rig.clock;
  const roleAt = (n: number) => template?.pins.find((p) => p.gpio === n);

  function lineOf(pad: Pad, kind: 'input', what: string): InputLine;
  function lineOf(pad: Pad, kind: 'output', what: string): OutputLine;
  function lineOf(pad: Pad, kind: 'pulse', what: string): PulseOutput;
  function lineOf(pad: Pad, kind: FixtureLine['kind'], what: string): FixtureLine['line'] {
    const n = padNumber(pad);
    const f = rig.fixture.get(n);
    const role = roleAt(n);
    const named = `P${n}${role ? ` (${role.role.name})` : ''}`;
    if (!f) {
      throw new PlugrigError(
        'E_FIXTURE_PAD',
        `${what}: pad ${named} is not wired on rig ${rig.name}`,
        `wire a fixture line to P${n} in the rig file, or skip when !t.fixture.has(${n})`,
      );
    }
    if (f.kind !== kind) {
      throw new PlugrigError(
        'E_FIXTURE_PAD',
        `${what}: pad ${named} is wired as ${KIND_TEXT[f.kind]} on rig ${rig.name}, this needs ${KIND_TEXT[kind]}`,
        'fix the line kind in the rig file',
      );
    }
    return f.line;
  }

  function watch(pad: Pad, o: { debounceMs?: number } = {}): PadWatch {
    const rec = new EdgeRecorder(lineOf(pad, 'input', 'watch'), { clock, ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}) });
    const startNs = clock.nowNs();
    return {
      edges: rec.edges,
      waitFor: (level, w) => rec.waitForLevel(level, w.sinceNs ?? startNs, w.timeoutMs, w.signal),
      stop: () => rec.close(),
    };
  }

  const pressLevels = (n: number): { active: Level; idle: (line: OutputLine) => Promise<void> } => {
    // Btn: pressed = pulled low, idle = let the pull-up hold it. Btn_n: pressed = high, idle = driven low.
    const inverted = roleAt(n)?.role.inverted ?? false;
    return inverted ? { active: 1, idle: (l) => l.set(0) } : { active: 0, idle: (l) => l.release() };
  };

  const api: FixtureApi = {
    has: (pad) => rig.fixture.has(padNumber(pad)),
    async level(pad) {
      const f = rig.fixture.get(padNumber(pad));
      if (f?.kind === 'output') return f.line.get();
      return lineOf(pad, 'input', 'level').read();
    },
    watch,
    async waitFor(pad, level, o) {
      const rec = new EdgeRecorder(lineOf(pad, 'input', 'waitFor'), { clock });
      try {
        const now = await rec.line.read();
        if (now === level) return { level, tNs: clock.nowNs(), already: true as const };
        return await rec.waitForLevel(level, 0n, o.timeoutMs, o.signal);
      } finally {
        rec.close();
      }
    },
    async press(pad, ms, o = {}) {
      const n = padNumber(pad);
      const line = lineOf(pad, 'output', 'press');
      const { active, idle } = pressLevels(n);
      const pressedNs = clock.nowNs();
      try {
        await line.set(active);
        await sleep(clock, ms, o.signal, `pressing P${n}`);
      } finally {
        // Never leave a button (on a CB2S also RX1) held, whatever happened.
        await idle(line).catch(() => undefined);
      }
      return { pressedNs, releasedNs: clock.nowNs() };
    },
    async drive(pad, level) {
      await lineOf(pad, 'output', 'drive').set(level);
    },
    async release(pad) {
      const f = rig.fixture.get(padNumber(pad));
      if (f?.kind === 'pulse') return f.line.stop();
      await lineOf(pad, 'output', 'release').release();
    },
    async blink(pad, o): Promise<BlinkSummary> {
      const w = watch(pad);
      let level: Level;
      try {
        await sleep(clock, o.windowMs, o.signal, `recording P${padNumber(pad)}`);
        level = await lineOf(pad, 'input', 'blink').read();
      } finally {
        w.stop();
      }
      const s = blinkStats(w.edges, o.onLevel ?? 1);
      return { periodMs: s.periodMs, duty: s.duty, edges: s.edges, onMs: s.onMs, offMs: s.offMs, level };
    },
  };
  const meter = template ? rigMeter(rig, template, opts, clock) : undefined;
  if (meter) Object.defineProperty(api, 'meter', { value: meter, enumerable: true });
  return api;
}

/** The BL0937 meter, when the profile has CF, CF1 and SEL and the rig wires them (pulse, pulse, input). */
function rigMeter(rig: FixtureRig, template: Template, opts: RigFixtureOptions, clock: Clock): MeterApi | undefined {
  const cf = pinsOfKind(template, 'bl0937Cf')[0];
  const cf1 = pinsOfKind(template, 'bl0937Cf1')[0];
  const sel = pinsOfKind(template, 'bl0937Sel')[0];
  if (!cf || !cf1 || !sel) return undefined;
  const cfLine = rig.fixture.get(cf.gpio);
  const cf1Line = rig.fixture.get(cf1.gpio);
  const selLine = rig.fixture.get(sel.gpio);
  if (cfLine?.kind !== 'pulse' || cf1Line?.kind !== 'pulse' || selLine?.kind !== 'input') return undefined;
  const constants: MeterConstants = { ...(opts.calibration ?? OBK_DEFAULT_CAL) };
  const selInverted = sel.role.inverted;
  let synth: Bl0937Synth | undefined;
  return {
    selInverted,
    constants,
    get selEdges() {
      return synth?.selEdges ?? [];
    },
    async load(point, o = {}) {
      synth ??= new Bl0937Synth(cfLine.line, cf1Line.line, selLine.line, selInverted, clock);
      await synth.setLoad(frequenciesFor(point, o.constants ?? constants));
    },
    async off() {
      const s = synth;
      synth = undefined;
      if (s) await s.stop();
      else await Promise.allSettled([cfLine.line.stop(), cf1Line.line.stop()]);
    },
    waitForSelEdges: async (count, o) => (synth ? synth.waitForEdgeCount(count, o.timeoutMs, o.signal) : false),
    worstFollowMs: (from) => synth?.worstFollowMs(from) ?? 0,
    resolutionHz: (hz) => Math.max(cfLine.line.resolutionHz(hz), cf1Line.line.resolutionHz(hz)),
  };
}
