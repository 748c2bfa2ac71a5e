import type { RunEvent, Sink } from '../../core/run-types.js';
import type { RecordStore } from './types.js';

/** The durable sink: the runner waits for the store before any other sink sees an event. */
export class StoreSink implements Sink {
  readonly durable = true;
  constructor(private readonly store: RecordStore) {}
  async handle(event: RunEvent): Promise<void> {
    await this.store.append(event);
  }
}
