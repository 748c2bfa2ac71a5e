/**
 * Mirrors a station's committed events to an MQTT broker (the `mqtt` client; DESIGN.md, "Beyond one
 * host"). It is a forward target (store/forwarder.ts): the forwarder hands it events only after the
 * local store committed them, and moves on only once the broker acknowledged every publish.
 *
 *   plugrig/<station>/<slot>/event   each event as JSON (QoS 1), with `station` added; consumers
 *                                    tell repeats apart by (runId, seq)
 *   plugrig/<station>/<slot>/state   the slot's view (SlotView JSON), retained (QoS 1)
 *   plugrig/<station>/status         "online", retained; the broker's will sets "offline"
 *
 * While the broker is away deliver() fails at once, and a page in flight when the connection drops
 * fails too (the client's own resend is cancelled): the forwarder alone publishes it again, so
 * nothing is queued twice. QoS 1 stays at-least-once: a page the broker took but could not
 * acknowledge before it went away arrives twice, with the same (runId, seq). On every reconnect the
 * slots' states are published again, so a broker that lost its retained messages has them back.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { PlugrigError } from '../core/errors.js';
import type { RunEvent } from '../core/run-types.js';
import { idleView, reduceSlotView, type SlotView } from './slot-view.js';
import type { ForwardTarget } from './store/forwarder.js';
import type { StoredEvent } from './store/types.js';

export interface MqttPublisherOptions {
  station: string;
  /** Topic root. Default "plugrig". */
  prefix?: string;
  /** Deadline of one page's acknowledgements (ms). Default 10 000. */
  publishTimeoutMs?: number;
  /** Wait between reconnect attempts (ms). Default 1000. */
  reconnectMs?: number;
  clientId?: string;
  /** The slots' views to start from (e.g. from the store's last records), published on connect. */
  initialViews?: SlotView[];
}

/** One topic level: MQTT reserves '/', '+' and '#'. */
export const topicLevel = (s: string): string => s.replace(/[/+#\s]/g, '_') || '_';

export class MqttPublisher implements ForwardTarget {
  readonly name = 'mqtt';
  private readonly views = new Map<string, SlotView>();
  private readonly prefix: string;

  private constructor(
    private readonly client: MqttClient,
    private readonly o: MqttPublisherOptions,
  ) {
    this.prefix = `${o.prefix ?? 'plugrig'}/${topicLevel(o.station)}`;
    for (const v of o.initialViews ?? []) this.views.set(v.slot, v);
    client.on('connect', () => void this.announce().catch(() => undefined));
    // The forwarder publishes a page again when it was not acknowledged; the client must not resend
    // it on its own at reconnect as well, or every outage would double the page in flight.
    client.on('close', () => {
      for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    });
    // Errors are reported through deliver(); the client reconnects by itself.
    client.on('error', () => undefined);
  }

  /** Starts connecting; does not wait for the broker (it may be away). */
  static connect(url: string, o: MqttPublisherOptions): MqttPublisher {
    const prefix = `${o.prefix ?? 'plugrig'}/${topicLevel(o.station)}`;
    const client = mqtt.connect(url, {
      clientId: o.clientId ?? `plugrig-${topicLevel(o.station)}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: o.reconnectMs ?? 1000,
      connectTimeout: 5000,
      clean: true,
      queueQoSZero: false,
      will: { topic: `${prefix}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    return new MqttPublisher(client, o);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  private topic(slot: string, leaf: 'event' | 'state'): string {
    return `${this.prefix}/${topicLevel(slot)}/${leaf}`;
  }

  private async announce(): Promise<void> {
    const sends = [this.client.publishAsync(`${this.prefix}/status`, 'online', { qos: 1, retain: true })];
    for (const v of this.views.values()) sends.push(this.client.publishAsync(this.topic(v.slot, 'state'), this.stateJson(v), { qos: 1, retain: true }));
    await Promise.all(sends);
  }

  private stateJson(v: SlotView): string {
    return JSON.stringify({ station: this.o.station, ...v });
  }

  async deliver(events: readonly StoredEvent[]): Promise<void> {
    if (!this.client.connected) {
      throw new PlugrigError('E_MQTT_AWAY', 'the MQTT broker is not connected', 'events wait in the local store and are published when it is back');
    }
    const sends: Promise<unknown>[] = [];
    const touched = new Set<string>();
    for (const { event } of events) {
      const e: RunEvent & { station: string } = { ...event, station: this.o.station };
      sends.push(this.client.publishAsync(this.topic(event.slot, 'event'), JSON.stringify(e), { qos: 1 }));
      this.views.set(event.slot, reduceSlotView(this.views.get(event.slot) ?? idleView(event.slot), event));
      touched.add(event.slot);
    }
    for (const slot of touched)
      sends.push(this.client.publishAsync(this.topic(slot, 'state'), this.stateJson(this.views.get(slot)!), { qos: 1, retain: true }));
    let timer: NodeJS.Timeout | undefined;
    const ms = this.o.publishTimeoutMs ?? 10_000;
    try {
      await Promise.race([
        Promise.all(sends),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new PlugrigError('E_MQTT_TIMEOUT', `the MQTT broker did not acknowledge within ${ms} ms`, 'the page is published again')),
            ms,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.client.connected) await this.client.publishAsync(`${this.prefix}/status`, 'offline', { qos: 1, retain: true }).catch(() => undefined);
    await this.client.endAsync(true);
  }
}
