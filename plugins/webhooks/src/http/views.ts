import type { AttemptRecord, DeliveryRecord } from '../store/delivery-store.js';
import type { WebhookRecord } from '../store/webhook-store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A webhook as its tenant sees it: never its secret. */
export function webhookJson(w: WebhookRecord) {
  return {
    id: w.id,
    url: w.url,
    description: w.description,
    eventTypes: w.eventTypes,
    enabled: w.enabled,
    disabledReason: w.disabledReason,
    disabledAt: iso(w.disabledAt),
    failingSince: iso(w.failingSince),
    consecutiveFailedDeliveries: w.consecutiveFailures,
    previousSecretValidUntil: w.previousSecretUntil !== null && w.previousSecretUntil > Date.now() ? iso(w.previousSecretUntil) : null,
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
  };
}

export function deliveryJson(d: DeliveryRecord) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    responseStatus: d.responseStatus,
    responseTimeMs: d.responseMs,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    error: d.error,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

export function deliveryDetailJson({ delivery, history }: { delivery: DeliveryRecord; history: AttemptRecord[] }) {
  return {
    ...deliveryJson(delivery),
    body: JSON.parse(delivery.body) as unknown,
    history: history.map((a) => ({ attempt: a.attempt, kind: a.kind, startedAt: iso(a.startedAt), responseStatus: a.responseStatus, responseTimeMs: a.responseMs, error: a.error })),
  };
}
