import type { EventBus, EventConsumer, EventSubscription, PlatformEvent } from '@dogan/runtime';
import type { Logger } from 'pino';
import type { SqlSession } from './database/sql-session.js';
import type { EventOutbox, NewPlatformEvent } from './event-outbox.js';

/**
 * Records platform events through the events plugin's outbox when one is loaded, and nothing when
 * none is. The outbox is looked up at each call: its plugin needs the tenants plugin, so it loads
 * after the plugins that record.
 */
export class EventRecorder {
  static readonly none = new EventRecorder(() => undefined);

  constructor(private readonly outbox: () => EventOutbox | undefined) {}

  /** On `session`, inside the caller's transaction: the events commit or roll back with the change. */
  async record(session: SqlSession, events: readonly NewPlatformEvent[]): Promise<void> {
    const outbox = events.length > 0 ? this.outbox() : undefined;
    if (outbox) await outbox.record(session, events);
  }

  /** In a transaction of their own, for a change that has no SQL transaction to join. */
  async emit(events: readonly NewPlatformEvent[]): Promise<void> {
    const outbox = events.length > 0 ? this.outbox() : undefined;
    if (outbox) await outbox.emit(events);
  }
}

/** How often the bus's health is read to notice it came back. */
const HEALTH_POLL_MS = 500;

export interface CoherenceOptions {
  /** The consumer's name; each node gets every event under it. */
  readonly name: string;
  readonly types: readonly string[];
  /** Applies another node's (or this node's) change to this node's caches; idempotent. */
  apply(event: PlatformEvent): Promise<void> | void;
  /** Drops or reloads everything cached: after an outage of the bus, events may have been missed. */
  resync(): Promise<void> | void;
  readonly log: Logger;
}

/** An every-node consumer keeping one plugin's caches in step with the control plane. */
export interface CacheCoherence {
  close(): Promise<void>;
}

/**
 * Subscribes an `every-node` consumer that applies changes made anywhere in the cluster to this node's
 * caches, and resyncs them from the control plane whenever the bus recovers from being degraded.
 * A node that starts has empty caches (or loads them at start), so it has nothing to catch up.
 */
export async function keepCachesCoherent(bus: EventBus, options: CoherenceOptions): Promise<CacheCoherence> {
  const consumer: EventConsumer = {
    name: options.name,
    delivery: 'every-node',
    types: options.types,
    async handle(event) {
      await options.apply(event);
    },
  };
  const subscription: EventSubscription = await bus.subscribe(consumer);
  let degraded = bus.health().state !== 'ok';
  const watch = setInterval(() => {
    const now = bus.health().state !== 'ok';
    if (degraded && !now) {
      options.log.info({ consumer: options.name }, 'event bus is back: reloading caches from the control plane');
      void Promise.resolve()
        .then(() => options.resync())
        .catch((err: unknown) => options.log.error({ err, consumer: options.name }, 'reloading caches after a bus outage failed'));
    }
    degraded = now;
  }, HEALTH_POLL_MS);
  watch.unref();
  return {
    async close() {
      clearInterval(watch);
      // The bus may have closed first (its plugin closes before the plugins it loaded after).
      await subscription.close().catch(() => undefined);
    },
  };
}
