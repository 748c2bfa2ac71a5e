/**
 * Stamps a run's events (run id, slot, per-run seq, time) and hands them to the sinks in order:
 * every durable sink has the event before any other sink sees it. Phases call `emit` without
 * awaiting; a promise chain keeps the order.
 */
import { PlugrigError } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import type { RunEvent, RunEventBody, Sink } from '../core/run-types.js';

export class RunEmitter {
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly durable: Sink[];
  private readonly others: Sink[];
  /** Set once a durable sink failed; later events only reach the non-durable sinks. */
  durableFailure: PlugrigError | undefined;
  /** Errors thrown by non-durable sinks: counted, never allowed to break the run. */
  sinkErrors = 0;

  constructor(
    readonly runId: string,
    readonly slot: string,
    sinks: readonly Sink[],
    /** Event time (`t`): the run clock's wall time. */
    private readonly now: () => number,
    private readonly onEvent?: (e: RunEvent) => void,
    /** Scrubs the run's secrets from every event before the record or any sink sees it. */
    private readonly redactor?: Redactor,
  ) {
    this.durable = sinks.filter((s) => s.durable);
    this.others = sinks.filter((s) => !s.durable);
  }

  /**
   * Stamps one event and hands it to the durable sinks at once, in emit order, without waiting for
   * the previous event's commit: a store keeps the order itself and batches what arrives while it
   * syncs (group commit). The other sinks get the event only after its durable write settled.
   * Returns the event at once (delivery completes in `flush`).
   */
  emit(body: RunEventBody): RunEvent {
    this.seq += 1;
    const clean = this.redactor ? this.redactor.deep(body) : body;
    const event = { ...clean, runId: this.runId, slot: this.slot, seq: this.seq, t: this.now() } as RunEvent;
    this.onEvent?.(event);
    const stored = this.durableFailure ? Promise.resolve() : Promise.all(this.durable.map((s) => callSink(s, event)));
    stored.catch(() => undefined); // examined in order below
    this.chain = this.chain.then(() => this.deliver(event, stored));
    return event;
  }

  /** Resolves when every event emitted so far has reached every sink. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async deliver(event: RunEvent, stored: Promise<unknown>): Promise<void> {
    try {
      await stored;
    } catch (e) {
      this.durableFailure ??=
        e instanceof PlugrigError
          ? e
          : new PlugrigError(
              'E_STORE_WRITE',
              `could not store event ${event.type}: ${(e as Error)?.message ?? String(e)}`,
              'check that the store directory is writable and the disk is not full',
              { cause: e },
            );
    }
    for (const sink of this.others) {
      try {
        await sink.handle(event);
      } catch {
        this.sinkErrors += 1;
      }
    }
  }
}

/** A sink call as a promise, even when the sink throws synchronously. */
function callSink(sink: Sink, event: RunEvent): Promise<void> {
  try {
    return Promise.resolve(sink.handle(event));
  } catch (e) {
    return Promise.reject(e);
  }
}
