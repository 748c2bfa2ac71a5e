/**
 * The console sink: on a terminal, one live line per slot (bar, phase, speed, ETA) redrawn in
 * place; otherwise plain, greppable lines (phase starts and ends, failures, progress every 25 %).
 * The formatting is pure; only ConsoleSink touches the stream.
 */
import { describeMeasurement } from '../core/measurement.js';
import type { RunEvent, Sink } from '../core/run-types.js';
import { idleView, reduceSlotView, type SlotView } from './slot-view.js';

export function formatBar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

export function formatRate(bytesPerSec: number | undefined): string {
  if (bytesPerSec === undefined || !Number.isFinite(bytesPerSec)) return '';
  if (bytesPerSec >= 1024 * 1024) return `${(bytesPerSec / 1048576).toFixed(1)} MiB/s`;
  if (bytesPerSec >= 1024) return `${(bytesPerSec / 1024).toFixed(1)} KiB/s`;
  return `${Math.round(bytesPerSec)} B/s`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` : `${s}s`;
}

export function formatMac(mac: string | undefined): string {
  return mac && /^[0-9A-Fa-f]{12}$/.test(mac) ? mac.toUpperCase().replace(/(..)(?!$)/g, '$1:') : (mac ?? '');
}

/** One status line for a slot, at most `width` columns. Pure. */
export function slotLine(v: SlotView, width: number, nameWidth = 8): string {
  const name = v.slot.padEnd(nameWidth);
  let line: string;
  if (v.state === 'idle') line = `${name} idle`;
  else if (v.state === 'done') {
    const verdict = v.outcome ?? '?';
    const why = v.outcome !== 'PASS' && v.failure ? `  ${failureText(v.failure)}` : '';
    line = `${name} ${verdict.padEnd(7)} ${formatDuration(v.durationMs).padStart(5)}  ${formatMac(v.mac)}${why}`;
  } else {
    const n = v.plan?.length ?? 0;
    const inPhase = v.progress?.fraction ?? 0;
    const overall = n && v.phaseIndex ? (v.phaseIndex - 1 + inPhase) / n : 0;
    const step = v.phaseIndex && n ? ` (${v.phaseIndex}/${n})` : '';
    const extra = [
      v.progress ? `${Math.round(inPhase * 100)}%` : '',
      formatRate(v.progress?.bytesPerSec),
      v.progress?.etaMs !== undefined ? `ETA ${formatDuration(v.progress.etaMs)}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    line = `${name} ${formatBar(overall, 20)} ${(v.phase ?? 'starting') + step}${extra ? '  ' + extra : ''}  ${formatMac(v.mac)}`;
  }
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) + '…' : line;
}

/** "phase checks: relay-1 = 0 (expected 1): FAIL": the phase always, then what failed in it. */
export function failureText(f: NonNullable<SlotView['failure']>): string {
  return f.phase ? `${f.phase}: ${f.detail}` : f.detail;
}

/**
 * Plain-text lines for one event (no terminal): what a log file or CI output should show.
 * `failure`: the run's first failure, so the last line of a failed run names its phase and measurement.
 */
export function plainLines(e: RunEvent, lastQuarter: Map<string, number>, verbose = false, failure?: SlotView['failure']): string[] {
  const p = `[${e.slot}]`;
  switch (e.type) {
    case 'run.started':
      return [`${p} run ${e.runId} on ${e.rig}: ${e.plan.join(' → ')}`];
    case 'unit.identified':
      return e.unit.mac
        ? [`${p} unit ${formatMac(e.unit.mac)}${e.unit.chipId ? ` chip ${e.unit.chipId}` : ''}${e.unit.flashId ? ` flash ${e.unit.flashId}` : ''}`]
        : [];
    case 'phase.started':
      lastQuarter.delete(`${e.runId}/${e.phase}`);
      return [`${p} ${e.phase}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}…`];
    case 'phase.progress': {
      const key = `${e.runId}/${e.phase}`;
      const q = e.progress.total > 0 ? Math.floor((e.progress.done / e.progress.total) * 4) : 0;
      if (q <= (lastQuarter.get(key) ?? 0) || q === 0) return [];
      lastQuarter.set(key, q);
      const rate = formatRate(e.progress.bytesPerSec);
      const eta = e.progress.etaMs !== undefined && q < 4 ? ` ETA ${formatDuration(e.progress.etaMs)}` : '';
      return [`${p} ${e.phase} ${q * 25}%${rate ? ` ${rate}` : ''}${eta}`];
    }
    case 'measurement':
      return e.measurement.verdict === 'FAIL' ? [`${p} ${e.phase}: ${describeMeasurement(e.measurement)}`] : [];
    case 'log':
      return e.level === 'warn' || e.level === 'error' ? [`${p} ${e.level}: ${e.message}`] : [];
    case 'artifact':
      return [`${p} ${e.kind}: ${e.path}`];
    case 'firmware.log':
      // Quiet by default: the record and JUnit keep them; --verbose shows them as they come.
      return verbose ? [`${p} fw ${e.source}: ${e.line}`] : [];
    case 'phase.finished': {
      const why = e.error ? ` ${e.error.code}: ${e.error.message}${e.error.hint ? ` — ${e.error.hint}` : ''}` : e.skipReason ? ` (${e.skipReason})` : '';
      // The unit plan's write stopped midway leaves half an image; an ABORTED phase carries no error to say so.
      const partial =
        e.phase === 'flash' && e.outcome === 'ABORTED'
          ? " — the flash now holds a partial image: run again (the flash phase rewrites it) or 'plugrig flash <image> --diff'"
          : '';
      return [`${p} ${e.phase} ${e.outcome}${e.outcome === 'SKIP' ? '' : ` ${formatDuration(e.durationMs)}`}${why}${partial}`];
    }
    case 'run.finished':
      if (e.outcome !== 'PASS' && failure) {
        return [`${p} run ${e.outcome} in ${formatDuration(e.durationMs)} — failed in ${failureText(failure)}${e.error?.hint ? ` — ${e.error.hint}` : ''}`];
      }
      if (e.outcome === 'ABORTED' && !e.error) return [`${p} run ABORTED in ${formatDuration(e.durationMs)} — stopped before the end; run again to finish`];
      return [`${p} run ${e.outcome} in ${formatDuration(e.durationMs)}${e.error ? ` — ${e.error.code}: ${e.error.message}` : ''}`];
  }
}

export interface ConsoleOptions {
  /** Live view; default: the stream is a TTY. */
  tty?: boolean;
  /** Redraw period on a terminal, ms (default 100). */
  intervalMs?: number;
  /** Also print the firmware's log lines (--verbose). */
  verbose?: boolean;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export class ConsoleSink implements Sink {
  private readonly views = new Map<string, SlotView>();
  private readonly quarters = new Map<string, number>();
  private readonly units = new Set<string>();
  private readonly tty: boolean;
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: Out,
    private readonly opts: ConsoleOptions = {},
  ) {
    this.tty = opts.tty ?? out.isTTY === true;
  }

  handle(e: RunEvent): void {
    // Plain output too keeps the view: its last line names the first failure.
    const view = reduceSlotView(this.views.get(e.slot) ?? idleView(e.slot), e);
    this.views.set(e.slot, view);
    // Several phases identify the unit (link, boot): its line is printed once per run.
    if (e.type === 'unit.identified') {
      const key = `${e.runId}/${e.unit.mac ?? ''}`;
      if (this.units.has(key)) return;
      this.units.add(key);
    }
    if (!this.tty) {
      for (const line of plainLines(e, this.quarters, this.opts.verbose, view.failure)) this.out.write(line + '\n');
      return;
    }
    // Warnings and failures scroll above the live block; the rest only updates it.
    const notable =
      e.type === 'log'
        ? e.level === 'warn' || e.level === 'error'
        : e.type === 'measurement'
          ? e.measurement.verdict === 'FAIL'
          : e.type === 'firmware.log' && this.opts.verbose === true;
    if (notable) this.print(plainLines(e, this.quarters, this.opts.verbose));
    if (e.type === 'run.finished' || e.type === 'run.started' || e.type === 'phase.finished') this.draw();
    else this.schedule();
  }

  // The redraw throttle is for a human watching the screen: real time, not the run's clock.
  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, this.opts.intervalMs ?? 100);
  }

  private clearBlock(): string {
    return this.drawn ? `\x1b[${this.drawn}F\x1b[J` : '';
  }

  private print(lines: string[]): void {
    if (!lines.length) return;
    this.out.write(this.clearBlock() + lines.join('\n') + '\n');
    this.drawn = 0;
    this.draw();
  }

  private draw(): void {
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const nameWidth = Math.max(4, ...[...this.views.keys()].map((s) => s.length));
    const lines = [...this.views.values()].map((v) => slotLine(v, width, nameWidth));
    this.out.write(this.clearBlock() + lines.map((l) => `\x1b[2K${l}`).join('\n') + (lines.length ? '\n' : ''));
    this.drawn = lines.length;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tty) this.draw();
  }
}
