import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  Events,
  nanos,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import { eventTypeMatches, type EventBus, type EventBusHealth, type EventConsumer, type EventSubscription, type PlatformEvent } from '@dogan/runtime';
import { decodeEvent, encodeEvent } from '../event-codec.js';
import { EventErrors } from '../errors.js';
import { deliverOnce, deliverToNode, maxDeliverOf, type DeliveryDeps } from './consumer-delivery.js';
import { consumerFilters, durableName, STREAMS, subjectOf, type StreamSpec } from './streams.js';

export interface JetStreamBusOptions extends DeliveryDeps {
  readonly url: string;
  readonly log: Logger;
  /**
   * How long JetStream waits for an ack before delivering again (a node died holding the message);
   * a handler still running says so every third of it, so it bounds a crash's delay, not a handler.
   */
  readonly ackWaitMs?: number;
  /** Stream replicas: 1 on a single server, 3 on a JetStream cluster. */
  readonly replicas?: number;
  /** How long streams keep events. */
  readonly maxAgeMs?: number;
}

const RECONNECT_MS = 500;
const DEFAULT_ACK_WAIT_MS = 15_000;
/**
 * Pull requests live this long: one a dead node left behind stops taking messages after it (a message
 * it took anyway comes back after the ack wait), at the cost of a pull every few seconds per consumer.
 */
const PULL_EXPIRES_MS = 5_000;
/** Deliveries of one shared consumer handled at once on a node. */
const HANDLERS_PER_CONSUMER = 16;
const PUBLISH_TIMEOUT_MS = 5_000;
const WEEK_MS = 7 * 24 * 3600 * 1000;

interface Attachment {
  readonly consumer: EventConsumer;
  /** The JetStream consumers reading for it, one per stream; empty until attached. */
  readonly reading: ConsumerMessages[];
  attached: boolean;
  attaching?: Promise<void>;
  closed: boolean;
}

/**
 * The bus on NATS JetStream. Events are published with their id as `Nats-Msg-Id`, so the relay
 * publishing again after a crash is dropped by the stream's duplicate window. A `shared` consumer is
 * a durable pull consumer per stream with explicit acks: a failure is NAKed with the retry delay,
 * its last delivery lands in the dead-letter list and is terminated; `every-node` consumers are
 * ordered consumers (each node reads everything, nothing is acknowledged). When NATS is away the bus
 * says degraded, `publish` fails (the events wait in the outbox), and the client reconnects by itself;
 * a node that starts while NATS is away keeps trying.
 */
export class JetStreamBus implements EventBus {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private connected = false;
  private problem = 'not connected yet';
  private readonly attachments = new Set<Attachment>();
  private readonly pending = new Set<Promise<unknown>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private setupRunning: Promise<void> | undefined;
  private streamsReady = false;
  private closed = false;
  /** A durable consumer made for the first time reads from here: what this node published since it started. */
  private readonly startedAt = new Date();

  private readonly ackWaitMs: number;

  constructor(private readonly options: JetStreamBusOptions) {
    this.ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  }

  /** Connects, or keeps trying in the background: a node starts while NATS is away, degraded. */
  async start(): Promise<void> {
    await this.tryConnect();
  }

  private async tryConnect(): Promise<void> {
    if (this.closed) return;
    try {
      const nc = await connect({
        servers: this.options.url,
        name: `dogan ${hostname()}/${process.pid}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_MS,
        timeout: 2_000,
        pingInterval: 5_000,
        maxPingOut: 2,
      });
      if (this.closed) {
        await nc.close();
        return;
      }
      this.nc = nc;
      this.js = nc.jetstream();
      this.jsm = await nc.jetstreamManager();
      this.connected = true;
      this.watch(nc);
      await this.setup();
    } catch (err) {
      this.problem = `NATS at ${this.options.url}: ${(err as Error).message}`;
      if (!this.nc) {
        this.retryTimer = setTimeout(() => void this.tryConnect(), RECONNECT_MS * 2);
        this.retryTimer.unref();
      }
    }
  }

  private watch(nc: NatsConnection): void {
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === Events.Disconnect) {
          this.connected = false;
          this.problem = `NATS at ${this.options.url} is unreachable; events wait in the outbox`;
          this.options.log.warn('NATS disconnected; the event bus is degraded');
        } else if (status.type === Events.Reconnect) {
          this.connected = true;
          this.options.log.info('NATS reconnected');
          void this.setup();
        }
      }
    })();
  }

  /** Streams exist and every subscribed consumer reads; run on connect and on every reconnect. */
  private setup(): Promise<void> {
    this.setupRunning ??= (async () => {
      try {
        await this.ensureStreams();
        this.streamsReady = true;
        for (const a of this.attachments) if (!a.attached && !a.closed) await this.attach(a);
      } catch (err) {
        this.options.log.warn({ err }, 'JetStream setup failed; retried on the next reconnect or publish');
      } finally {
        this.setupRunning = undefined;
      }
    })();
    return this.setupRunning;
  }

  private async ensureStreams(): Promise<void> {
    const jsm = this.jsm!;
    for (const spec of STREAMS) {
      const config = {
        name: spec.name,
        subjects: [spec.subject],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: nanos(this.options.maxAgeMs ?? WEEK_MS),
        duplicate_window: nanos(120_000),
        num_replicas: this.options.replicas ?? 1,
      };
      try {
        await jsm.streams.info(spec.name);
      } catch {
        await jsm.streams.add(config);
      }
    }
  }

  health(): EventBusHealth {
    return this.connected ? { state: 'ok' } : { state: 'degraded', detail: this.problem };
  }

  async publish(event: PlatformEvent): Promise<void> {
    if (!this.js || !this.connected) throw EventErrors.EVENT_BUS_UNAVAILABLE(this.problem);
    await this.js.publish(subjectOf(event.type), encodeEvent(event), { msgID: event.id, timeout: PUBLISH_TIMEOUT_MS });
  }

  async subscribe(consumer: EventConsumer): Promise<EventSubscription> {
    const attachment: Attachment = { consumer, reading: [], attached: false, closed: false };
    this.attachments.add(attachment);
    if (this.connected) {
      if (!this.streamsReady) await this.setup();
      if (!attachment.attached) await this.attach(attachment);
    }
    return {
      close: async () => {
        attachment.closed = true;
        this.attachments.delete(attachment);
        for (const m of attachment.reading.splice(0)) await m.close().catch(() => undefined);
      },
    };
  }

  private attach(a: Attachment): Promise<void> {
    a.attaching ??= this.attachNow(a).finally(() => (a.attaching = undefined));
    return a.attaching;
  }

  private async attachNow(a: Attachment): Promise<void> {
    if (a.attached || a.closed) return;
    const shared = a.consumer.delivery !== 'every-node';
    try {
      for (const [spec, filter] of consumerFilters(a.consumer.types)) {
        const messages = shared ? await this.durableMessages(spec, filter, a.consumer) : await this.orderedMessages(spec, filter);
        a.reading.push(messages);
        this.track(this.read(a, messages, shared));
      }
      a.attached = true;
    } catch (err) {
      for (const m of a.reading.splice(0)) await m.close().catch(() => undefined);
      this.options.log.warn({ err, consumer: a.consumer.name }, 'JetStream consumer not attached yet; retried on reconnect');
    }
  }

  private async durableMessages(spec: StreamSpec, filter: string, consumer: EventConsumer): Promise<ConsumerMessages> {
    const name = durableName(consumer.name);
    const config: Partial<ConsumerConfig> = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      // One more than the consumer's own limit: its last failure is ours to dead-letter, and a delivery
      // beyond it (a node died during the last one) is dead-lettered without running the handler.
      max_deliver: maxDeliverOf(consumer) + 1,
      ack_wait: nanos(this.ackWaitMs),
      filter_subject: filter,
      max_ack_pending: 1_000,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: this.startedAt.toISOString(),
    };
    const existing = await this.jsm!.consumers.info(spec.name, name).catch(() => undefined);
    if (existing && existing.config.filter_subject !== filter) {
      // Servers before 2.10 cannot change a filter in place; the consumer's types changed, so it starts over.
      this.options.log.warn({ consumer: consumer.name, stream: spec.name, from: existing.config.filter_subject, to: filter }, 'consumer filter changed; recreating it');
      await this.jsm!.consumers.delete(spec.name, name);
    }
    if (!existing || existing.config.filter_subject !== filter) await this.jsm!.consumers.add(spec.name, config);
    const c = await this.js!.consumers.get(spec.name, name);
    return c.consume({ max_messages: 256, expires: PULL_EXPIRES_MS });
  }

  private async orderedMessages(spec: StreamSpec, filter: string): Promise<ConsumerMessages> {
    const c = await this.js!.consumers.get(spec.name, { filterSubjects: filter, deliver_policy: DeliverPolicy.New });
    return c.consume({ max_messages: 256 });
  }

  private async read(a: Attachment, messages: ConsumerMessages, shared: boolean): Promise<void> {
    // Shared consumers handle a few messages at once (no order is promised across events); every-node ones in order.
    const limit = shared ? HANDLERS_PER_CONSUMER : 1;
    const inFlight = new Set<Promise<void>>();
    try {
      for await (const m of messages) {
        if (a.closed) break;
        const handling = (shared ? this.onShared(a.consumer, m) : this.onEveryNode(a.consumer, m)).finally(() => inFlight.delete(handling));
        inFlight.add(handling);
        if (inFlight.size >= limit) await Promise.race(inFlight);
      }
    } finally {
      await Promise.allSettled(inFlight);
      if (!a.closed && !this.closed) {
        // The reader stopped under us (its consumer deleted, the connection closed): attach anew.
        for (const m of a.reading.splice(0)) if (m !== messages) await m.close().catch(() => undefined);
        a.attached = false;
        const again = setTimeout(() => void (this.connected ? this.setup() : undefined), RECONNECT_MS);
        again.unref();
      }
    }
  }

  private async onShared(consumer: EventConsumer, m: JsMsg): Promise<void> {
    let event: PlatformEvent;
    try {
      event = decodeEvent(m.string());
    } catch {
      m.term('not a Dogan event');
      return;
    }
    // A wider filter than the consumer's types (several patterns on one stream): not for it.
    if (!eventTypeMatches(consumer.types, event.type)) return m.ack();
    const attempt = m.info.deliveryCount;
    try {
      if (attempt > maxDeliverOf(consumer)) {
        await this.options.deadLetters.add(consumer.name, event, attempt - 1, 'the node handling its last delivery stopped');
        return m.term();
      }
      // Still working: a slow handler is not taken for a dead node and delivered elsewhere meanwhile.
      const working = setInterval(() => m.working(), Math.max(1_000, this.ackWaitMs / 3));
      const outcome = await deliverOnce(consumer, event, attempt, this.options).finally(() => clearInterval(working));
      if (outcome.kind === 'retry') m.nak(outcome.delayMs);
      else if (outcome.kind === 'dead') m.term(outcome.error.slice(0, 200));
      else m.ack();
    } catch (err) {
      // The ledger or the dead-letter list could not be written: JetStream delivers it again.
      this.options.log.warn({ err, consumer: consumer.name, eventId: event.id }, 'delivery not recorded; NATS redelivers it');
      m.nak(1_000);
    }
  }

  private async onEveryNode(consumer: EventConsumer, m: JsMsg): Promise<void> {
    try {
      const event = decodeEvent(m.string());
      if (eventTypeMatches(consumer.types, event.type)) await deliverToNode(consumer, event, this.options.log);
    } catch (err) {
      this.options.log.warn({ err, consumer: consumer.name }, 'every-node event unreadable');
    }
  }

  /** The consumer subscribed here under `name` (dead-letter replay runs it). */
  consumer(name: string): EventConsumer | undefined {
    for (const a of this.attachments) if (a.consumer.name === name && a.consumer.delivery !== 'every-node') return a.consumer;
    return undefined;
  }

  private track(work: Promise<unknown>): void {
    const guarded = work.catch((err: unknown) => {
      if (!this.closed) this.options.log.warn({ err }, 'JetStream reader stopped');
    });
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const a of this.attachments) {
      a.closed = true;
      for (const m of a.reading.splice(0)) await m.close().catch(() => undefined);
    }
    await Promise.allSettled([...this.pending]);
    // Drain: acknowledgements in flight reach the server before the connection goes (not when it is away).
    const nc = this.nc;
    if (!nc) return;
    if (this.connected) await Promise.race([nc.drain(), sleep(2_000)]).catch(() => undefined);
    if (!nc.isClosed()) await nc.close().catch(() => undefined);
  }
}
