/**
 * The kernel's event bus contract. Plugins publish platform events (`tenant.created`, `module.installed`,
 * `billing.invoice_issued`...) and subscribe to them by durable consumer name; the events plugin provides
 * the implementation: in-process in the embedded default, NATS JetStream with `NATS_URL`. Delivery is at
 * least once, so every handler must be idempotent by `event.id`.
 */
import { createServiceRef } from '../plugin/service-ref.js';

/** One fact that happened. The payload's shape is fixed by `(type, version)`; a change of shape is a new version. */
export interface PlatformEvent<P = unknown> {
  /** Unique and stable across redeliveries: handlers deduplicate on it. */
  readonly id: string;
  /** `family.name`, lower case: `tenant.created`, `billing.payment_failed`, `dogan.notes.note_created`. */
  readonly type: string;
  readonly version: number;
  /** The tenant it concerns; null for platform-wide facts. */
  readonly tenantId: string | null;
  /** ISO 8601, when the state change committed. */
  readonly occurredAt: string;
  readonly payload: P;
}

/** What a handler learns about the delivery it is handling. */
export interface DeliveryContext {
  /** 1 on the first delivery, 2 on the first redelivery... */
  readonly attempt: number;
  readonly consumer: string;
}

export interface EventConsumer {
  /**
   * Stable name. `shared` consumers with the same name share the work: each event is handled by one node
   * of the cluster. `every-node` consumers get every event on every node (cache invalidation).
   */
  readonly name: string;
  readonly delivery?: 'shared' | 'every-node';
  /** Type patterns: exact (`tenant.created`), a family (`tenant.*`) or everything (`*`). */
  readonly types: readonly string[];
  /** Deliveries before the event lands in the dead-letter list (shared consumers); default 5. */
  readonly maxDeliver?: number;
  handle(event: PlatformEvent, ctx: DeliveryContext): Promise<void>;
}

export interface EventSubscription {
  close(): Promise<void>;
}

export interface EventBusHealth {
  readonly state: 'ok' | 'degraded';
  readonly detail?: string;
}

export interface EventBus {
  /** Hands an event to the bus now (the outbox relay's call; plugins record events in their transaction instead). */
  publish(event: PlatformEvent): Promise<void>;
  subscribe(consumer: EventConsumer): Promise<EventSubscription>;
  health(): EventBusHealth;
}

/** True when `type` matches one of the patterns (`*`, `family.*`, or the exact type). */
export function eventTypeMatches(patterns: readonly string[], type: string): boolean {
  for (const p of patterns) {
    if (p === '*' || p === type) return true;
    if (p.endsWith('.*') && type.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

export const eventBusRef = createServiceRef<EventBus>({ id: 'events.bus' });
