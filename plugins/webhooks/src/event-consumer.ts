import { randomUUID } from 'node:crypto';
import type { EventConsumer, PlatformEvent } from '@dogan/runtime';
import type { TenantData, TenantService } from '@dogan/tenants';
import { subscribedTo } from './event-types.js';
import { DeliveryStore } from './store/delivery-store.js';
import type { DueIndex } from './store/due-index.js';
import { WebhookStore } from './store/webhook-store.js';

/** The durable consumer's name: one per cluster, each event handled by one node. */
export const WEBHOOKS_CONSUMER = 'webhooks';

/** The body every delivery of `event` sends, byte for byte at every attempt. */
export function deliveryBody(event: PlatformEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, version: event.version, tenantId: event.tenantId, occurredAt: event.occurredAt, data: event.payload });
}

/**
 * Turns each platform event into one delivery per matching enabled webhook of its tenant, in the
 * tenant's database. Idempotent by event id: a redelivered event finds its deliveries recorded.
 */
export function webhooksConsumer(deps: { tenants: TenantService; data: TenantData; due: DueIndex; recorded: () => void }): EventConsumer {
  return {
    name: WEBHOOKS_CONSUMER,
    delivery: 'shared',
    types: ['*'],
    async handle(event) {
      // Platform-wide events have no tenant, hence no tenant webhooks; a purged tenant has none left.
      if (!event.tenantId) return;
      const tenant = await deps.tenants.find(event.tenantId);
      if (!tenant || tenant.status === 'provisioning') return;
      const db = await deps.data.of(tenant);
      const hooks = (await WebhookStore.subscriptions(db)).filter((h) => subscribedTo(h.eventTypes, event.type));
      if (hooks.length === 0) return;
      const now = Date.now();
      const body = deliveryBody(event);
      await db.transaction(async (tx) => {
        for (const hook of hooks) {
          await DeliveryStore.insert(tx, { id: randomUUID(), webhookId: hook.id, eventId: event.id, eventType: event.type, body, status: 'pending' }, now, now);
        }
      });
      await deps.due.markDue(tenant.id, now);
      deps.recorded();
    },
  };
}
