/**
 * A station: several slots (one rig each) run independently. Each slot has its own abort
 * controller and its own promise; a slot's failure, hang or unplug ends only that slot's run, and
 * a failed slot can be started again on its own. What a run does is injected as a RunFactory, so
 * the real flash+check plan plugs in without the station knowing it.
 */
import { realClock, withDeadline, type Clock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import type { RunRecord } from '../core/record.js';
import { newRunId, runPlan } from '../run/runner.js';
import type { PreparedRun, RunFactory } from '../run/factory.js';
import type { SlotInfo } from '../core/run-types.js';
import type { StationControl } from '../report/hub.js';
import type { Phase, Sink } from '../core/run-types.js';

export type { PreparedRun, RunFactory, SlotInfo, StationControl };

/** What the WebSocket hub may do to a station. */
export interface StationOptions {
  name?: string;
  slots: SlotInfo[];
  factory: RunFactory;
  /** Sinks every run of every slot gets (the store sink, the console...). */
  sinks: Sink[];
  /** Deadline for the factory to prepare a run (open the rig, read the image). Default 30 s. */
  prepareTimeoutMs?: number;
  progressIntervalMs?: number;
  /** Called when a run could not be recorded at all (the store failed). */
  onRunError?: (slot: string, err: unknown) => void;
  /**
   * Time source of the station's own deadlines and of runs whose factory names no clock (default:
   * the machine's). A prepared run's clock (its rig's) wins for that run.
   */
  clock?: Clock;
}

interface Running {
  runId: string;
  controller: AbortController;
  done: Promise<RunRecord | undefined>;
}

export class Station implements StationControl {
  private readonly bySlot = new Map<string, SlotInfo>();
  private readonly running = new Map<string, Running>();
  private readonly last = new Map<string, RunRecord>();
  private closing = false;
  private readonly clock: Clock;

  constructor(private readonly opts: StationOptions) {
    this.clock = opts.clock ?? realClock;
    for (const s of opts.slots) {
      if (this.bySlot.has(s.slot)) {
        throw new PlugrigError('E_STATION_INVALID', `slot name "${s.slot}" is used twice`, 'give each rig its own name or slot');
      }
      this.bySlot.set(s.slot, s);
    }
  }

  get name(): string | undefined {
    return this.opts.name;
  }

  slots(): SlotInfo[] {
    return [...this.bySlot.values()];
  }

  slotNames(): string[] {
    return [...this.bySlot.keys()];
  }

  isRunning(slot: string): boolean {
    return this.running.has(slot);
  }

  /** The record of the slot's last finished run in this process. */
  lastRecord(slot: string): RunRecord | undefined {
    return this.last.get(slot);
  }

  private info(slot: string): SlotInfo {
    const info = this.bySlot.get(slot);
    if (!info) {
      throw new PlugrigError('E_SLOT_UNKNOWN', `no slot named "${slot}"`, `slots: ${this.slotNames().join(', ') || '(none)'}`);
    }
    return info;
  }

  start(slot: string): string {
    const info = this.info(slot);
    if (this.closing) throw new PlugrigError('E_STATION_CLOSING', 'the station is shutting down', '');
    const busy = this.running.get(slot);
    if (busy) throw new PlugrigError('E_SLOT_BUSY', `slot ${slot} is already running ${busy.runId}`, 'wait for it to finish or abort it');
    const runId = newRunId(new Date(this.clock.wallNow()));
    const controller = new AbortController();
    const done = this.execute(info, runId, controller.signal).finally(() => this.running.delete(slot));
    this.running.set(slot, { runId, controller, done });
    return runId;
  }

  /** Starts every idle slot; busy ones are left alone. */
  startAll(): { slot: string; runId: string }[] {
    const out: { slot: string; runId: string }[] = [];
    for (const slot of this.bySlot.keys()) if (!this.running.has(slot)) out.push({ slot, runId: this.start(slot) });
    return out;
  }

  abort(slot: string): boolean {
    this.info(slot);
    const r = this.running.get(slot);
    if (!r) return false;
    r.controller.abort(new PlugrigError('E_ABORTED', `run on ${slot} aborted by request`));
    return true;
  }

  /** Resolves with the record of the slot's current run (undefined when idle or not recordable). */
  async whenDone(slot: string): Promise<RunRecord | undefined> {
    return this.running.get(slot)?.done ?? this.last.get(slot);
  }

  private async execute(info: SlotInfo, runId: string, signal: AbortSignal): Promise<RunRecord | undefined> {
    const base = {
      runId,
      slot: info.slot,
      sinks: this.opts.sinks,
      signal,
      ...(this.opts.name ? { station: this.opts.name } : {}),
      ...(info.rigKind ? { rigKind: info.rigKind } : {}),
    };
    const progress = this.opts.progressIntervalMs !== undefined ? { progressIntervalMs: this.opts.progressIntervalMs } : {};
    try {
      let prepared: PreparedRun;
      try {
        prepared = await this.prepare(info, signal);
      } catch (e) {
        // Still a run with a record: it shows why the slot could not start.
        const failing: Phase = { name: 'prepare', timeoutMs: 1000, run: async () => Promise.reject(e) };
        const rec = await runPlan({ ...base, ...progress, clock: this.clock, rig: info.rig, plan: [failing] });
        this.last.set(info.slot, rec);
        return rec;
      }
      try {
        const rec = await runPlan({
          ...base,
          ...progress,
          rig: prepared.rig,
          ...(prepared.rigKind ? { rigKind: prepared.rigKind } : {}),
          plan: prepared.plan,
          clock: prepared.clock ?? this.clock,
          ...(prepared.unit ? { unit: prepared.unit } : {}),
          ...(prepared.firmware ? { firmware: prepared.firmware } : {}),
          ...(prepared.resources ? { resources: prepared.resources } : {}),
          ...(prepared.planName ? { planName: prepared.planName } : {}),
          ...(prepared.planFile ? { planFile: prepared.planFile } : {}),
          ...(prepared.redactor ? { redactor: prepared.redactor } : {}),
        });
        this.last.set(info.slot, rec);
        return rec;
      } finally {
        await prepared.release?.().catch((e: unknown) => this.opts.onRunError?.(info.slot, e));
      }
    } catch (e) {
      this.opts.onRunError?.(info.slot, e);
      return undefined;
    }
  }

  private prepare(info: SlotInfo, signal: AbortSignal): Promise<PreparedRun> {
    const ms = this.opts.prepareTimeoutMs ?? 30_000;
    return new Promise<PreparedRun>((resolve, reject) => {
      let late = false;
      const timer = this.clock.setTimeout(() => {
        late = true;
        reject(
          new PlugrigError(
            'E_PREPARE_TIMEOUT',
            `slot ${info.slot}: preparing the run took over ${ms} ms`,
            'check the rig file and that its lines and port open',
          ),
        );
      }, ms);
      this.opts.factory(info, signal).then(
        (p) => {
          this.clock.clearTimeout(timer);
          // Prepared after the deadline: nobody will run it, so give back what it opened.
          if (late) void p.release?.().catch(() => undefined);
          else resolve(p);
        },
        (e: unknown) => {
          this.clock.clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /** Aborts every slot and waits (bounded) for their records to be written. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    for (const slot of this.running.keys()) this.abort(slot);
    const all = Promise.allSettled([...this.running.values()].map((r) => r.done));
    await withDeadline(this.clock, timeoutMs, all, () => new Error('close deadline')).catch(() => undefined);
  }
}
