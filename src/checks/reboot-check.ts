/**
 * The built-in unexpected-reboot check, written with the public plan API: a phase at the start of
 * the checks marks the firmware log, one at the end reads what the firmware printed in between and
 * fails the unit for every reboot nobody asked for, quoting the log lines around it.
 *
 * A reboot shows in OpenBeken's log (docs/openbeken-behaviour.md §7.4) as the boot banner
 * `Info:MAIN:Main_Init_Before_Delay`, or, when the banner was lost (the network log reconnects
 * only after the boot), as the uptime in the once-a-second `Time N` line starting again. It was
 * asked for when `Rebooting...` (a console `restart`) came before it since the previous boot, or it
 * falls in a window announced with log.expectReboot() (power.off/on/cycle/reset announce theirs).
 */
import type { ExpectedReboot, FirmwareLog, LogLine } from '../core/resources.js';
import { phase } from '../plan/phase.js';
import type { PlanPhase } from '../plan/types.js';

const BANNER = /Main_Init_Before_Delay/;
const REBOOTING = /:MAIN:Rebooting\.\.\./;
const TIME = /:MAIN:Time (\d+),/;

export interface SeenReboot {
  /** The line that showed it (the banner, or the first `Time N` of the new boot). */
  line: LogLine;
  how: 'boot banner' | 'uptime drop';
  /** Why it was expected; undefined for an unexpected one. */
  expected?: string;
}

/** Every reboot the lines show, each judged expected or not (pure). */
export function findReboots(lines: readonly LogLine[], windows: readonly ExpectedReboot[]): SeenReboot[] {
  const out: SeenReboot[] = [];
  let requested = false;
  let lastTime: number | undefined;
  let bannerSinceTime = false;
  const judge = (line: LogLine, how: SeenReboot['how']) => {
    const w = windows.find((x) => line.tMs >= x.fromMs && line.tMs <= x.untilMs);
    const expected = requested ? 'the firmware said Rebooting... (restart)' : w ? `asked for by ${w.why}` : undefined;
    out.push({ line, how, ...(expected ? { expected } : {}) });
    requested = false;
  };
  for (const line of lines) {
    if (REBOOTING.test(line.text)) requested = true;
    if (BANNER.test(line.text)) {
      judge(line, 'boot banner');
      bannerSinceTime = true;
      continue;
    }
    const t = TIME.exec(line.text);
    if (!t) continue;
    const n = Number(t[1]);
    if (lastTime !== undefined && n < lastTime && !bannerSinceTime) judge(line, 'uptime drop');
    lastTime = n;
    bannerSinceTime = false;
  }
  return out;
}

/** The lines around one, for a note: `before` lines before it, `after` after. */
export function quoteAround(lines: readonly LogLine[], at: LogLine, before = 3, after = 2): string[] {
  const i = lines.findIndex((l) => l.seq === at.seq);
  if (i < 0) return [at.text];
  return lines.slice(Math.max(0, i - before), i + after + 1).map((l) => `${l.seq === at.seq ? '>' : ' '} ${l.text}`);
}

const MAX_QUOTED = 3;
/** OpenBeken prints a `Time N` line every second: a capture this long without a line is broken, not quiet. */
const SILENT_MS = 5_000;

export interface RebootCheck {
  /** Goes before the checks: marks the log. */
  start: PlanPhase;
  /** Goes after the checks: `unexpected_reboots` equals 0. */
  end: PlanPhase;
}

/**
 * The two phases of the check. The mark is kept per log capture (one per run), so the same phases
 * serve every run of a station.
 */
export function rebootCheck(o: { startName?: string; endName?: string } = {}): RebootCheck {
  const marks = new WeakMap<FirmwareLog, { seq: number; atMs: number }>();
  const start = phase(o.startName ?? 'reboot-watch', { timeoutMs: 5_000, independent: true }, async (t) => {
    if (!t.log.available) t.skip(`no firmware log on this rig (${t.log.source})`);
    marks.set(t.log, { seq: t.log.mark(), atMs: t.clock.now() });
    t.note(`watching the firmware log (${t.log.source}) for unexpected reboots`, 'debug');
  });
  const end = phase(
    o.endName ?? 'no-unexpected-reboot',
    {
      timeoutMs: 10_000,
      measurements: { unexpected_reboots: { equals: 0, note: 'the firmware rebooted without being asked to' } },
    },
    async (t) => {
      if (!t.log.available) t.skip(`no firmware log on this rig (${t.log.source})`);
      const mark = marks.get(t.log);
      const lines = t.log.since(mark?.seq);
      const watchedMs = mark ? t.clock.now() - mark.atMs : 0;
      if (!lines.length && watchedMs >= SILENT_MS) {
        // Nothing to judge is not a pass: the capture is broken (wrong port or rate, network log unreachable).
        t.measure('unexpected_reboots', null, {
          note: `no firmware log line arrived in ${(watchedMs / 1000).toFixed(1)} s from ${t.log.source}; OpenBeken prints one every second`,
        });
        return;
      }
      const reboots = findReboots(lines, t.log.expectedReboots());
      const unexpected = reboots.filter((r) => r.expected === undefined);
      for (const r of reboots.filter((x) => x.expected)) t.note(`expected reboot (${r.how}, ${r.expected}): ${r.line.text}`, 'debug');
      if (!unexpected.length) {
        t.measure('unexpected_reboots', 0, { note: `${lines.length} log lines read, ${reboots.length} reboot(s), all asked for` });
        return;
      }
      const quoted = unexpected.slice(0, MAX_QUOTED).map((r) => {
        const head = `${r.how} at ${(r.line.tMs / 1000).toFixed(3)} s (log line ${r.line.seq}):`;
        return [head, ...quoteAround(lines, r.line)].join('\n');
      });
      const more = unexpected.length > MAX_QUOTED ? `\n… and ${unexpected.length - MAX_QUOTED} more` : '';
      t.measure('unexpected_reboots', unexpected.length, { note: `the firmware rebooted without being asked to:\n${quoted.join('\n')}${more}` });
    },
  );
  return { start, end };
}

/**
 * A plan with the check around its checks: the mark right after the phase named `after` (the
 * last phase that reboots on purpose without announcing it; default: the plan's start), the
 * verdict at the end. The verdict is independent of the phases before it failing on their own.
 */
export function withRebootCheck<P extends { name: string }>(plan: readonly P[], after?: string, check: RebootCheck = rebootCheck()): (P | PlanPhase)[] {
  const at = after === undefined ? 0 : plan.findIndex((p) => p.name === after) + 1;
  const out: (P | PlanPhase)[] = [...plan];
  out.splice(at, 0, check.start);
  out.push(check.end);
  return out;
}
