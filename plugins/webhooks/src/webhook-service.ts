import { randomUUID } from 'node:crypto';
import type { SecretBox } from '@dogan/runtime';
import type { Tenant, TenantData } from '@dogan/tenants';
import { claimMs, type DeliveryRunner } from './delivery/delivery-runner.js';
import { newSigningSecret } from './delivery/signature.js';
import type { UrlGuard } from './delivery/url-guard.js';
import { WebhookErrors } from './errors.js';
import { PING_EVENT_TYPE, unknownEventTypes } from './event-types.js';
import { DeliveryStore, type AttemptRecord, type DeliveryRecord, type DeliveryStatus } from './store/delivery-store.js';
import { WebhookStore, type WebhookChanges, type WebhookRecord } from './store/webhook-store.js';

/** Webhooks a tenant may have. */
export const MAX_WEBHOOKS_PER_TENANT = 20;
/** Longest grace period of a rotated secret: a week, as Stripe allows. */
export const MAX_PREVIOUS_SECRET_SECONDS = 7 * 24 * 3600;

export interface WebhookInput {
  url: string;
  eventTypes: string[];
  description?: string;
  enabled?: boolean;
}

export interface WebhookServiceOptions {
  readonly data: TenantData;
  readonly box: SecretBox;
  readonly guard: UrlGuard;
  readonly runner: DeliveryRunner;
  readonly timeoutMs: number;
}

/** A tenant's webhooks: their settings, secrets, delivery log, redelivery and test pings. */
export class WebhookService {
  constructor(private readonly o: WebhookServiceOptions) {}

  async list(tenant: Tenant): Promise<WebhookRecord[]> {
    return WebhookStore.list(await this.o.data.of(tenant));
  }

  async get(tenant: Tenant, id: string): Promise<WebhookRecord> {
    const found = await WebhookStore.get(await this.o.data.of(tenant), id);
    if (!found) throw WebhookErrors.WEBHOOK_NOT_FOUND(id);
    return found;
  }

  /** Creates a webhook; the signing secret is in the answer and never again. */
  async create(tenant: Tenant, input: WebhookInput): Promise<{ webhook: WebhookRecord; secret: string }> {
    await this.validate(input);
    const db = await this.o.data.of(tenant);
    if ((await WebhookStore.count(db)) >= MAX_WEBHOOKS_PER_TENANT) throw WebhookErrors.WEBHOOK_LIMIT_REACHED(MAX_WEBHOOKS_PER_TENANT);
    const secret = newSigningSecret();
    const id = randomUUID();
    await WebhookStore.insert(db, { id, url: input.url, description: input.description ?? '', eventTypes: input.eventTypes, enabled: input.enabled ?? true, secret: this.o.box.encrypt(secret) }, Date.now());
    return { webhook: (await WebhookStore.get(db, id))!, secret };
  }

  async update(tenant: Tenant, id: string, changes: WebhookChanges): Promise<WebhookRecord> {
    await this.get(tenant, id);
    await this.validate(changes);
    const db = await this.o.data.of(tenant);
    await WebhookStore.update(db, id, changes, Date.now());
    return this.get(tenant, id);
  }

  async delete(tenant: Tenant, id: string): Promise<void> {
    if ((await WebhookStore.delete(await this.o.data.of(tenant), id)) === 0) throw WebhookErrors.WEBHOOK_NOT_FOUND(id);
  }

  /** A new signing secret, shown once; the old one keeps signing too for `previousSecretSeconds` (0: not at all). */
  async rotateSecret(tenant: Tenant, id: string, previousSecretSeconds: number): Promise<{ webhook: WebhookRecord; secret: string }> {
    const current = await this.get(tenant, id);
    const secret = newSigningSecret();
    const now = Date.now();
    const keep = previousSecretSeconds > 0;
    await WebhookStore.rotateSecret(await this.o.data.of(tenant), id, this.o.box.encrypt(secret), keep ? current.secret : null, keep ? now + previousSecretSeconds * 1000 : null, now);
    return { webhook: await this.get(tenant, id), secret };
  }

  async deliveries(tenant: Tenant, webhookId: string, q: { status?: DeliveryStatus; limit: number; offset: number }): Promise<{ items: DeliveryRecord[]; total: number }> {
    await this.get(tenant, webhookId);
    return DeliveryStore.page(await this.o.data.of(tenant), webhookId, q);
  }

  async delivery(tenant: Tenant, webhookId: string, deliveryId: string): Promise<{ delivery: DeliveryRecord; history: AttemptRecord[] }> {
    await this.get(tenant, webhookId);
    const db = await this.o.data.of(tenant);
    const delivery = await DeliveryStore.get(db, webhookId, deliveryId);
    if (!delivery) throw WebhookErrors.WEBHOOK_DELIVERY_NOT_FOUND(deliveryId, webhookId);
    return { delivery, history: await DeliveryStore.attempts(db, deliveryId) };
  }

  /**
   * Sends a delivery again now, under the same delivery id and body, as a new attempt in its log
   * (also after it was delivered: receivers deduplicate on the delivery id). Refused while it is
   * being sent, by this request's twin or the worker on any node.
   */
  async redeliver(tenant: Tenant, webhookId: string, deliveryId: string): Promise<{ delivery: DeliveryRecord; history: AttemptRecord[] }> {
    const webhook = await this.get(tenant, webhookId);
    if (!webhook.enabled) throw WebhookErrors.WEBHOOK_DISABLED(webhookId);
    const db = await this.o.data.of(tenant);
    const existing = await DeliveryStore.get(db, webhookId, deliveryId);
    if (!existing) throw WebhookErrors.WEBHOOK_DELIVERY_NOT_FOUND(deliveryId, webhookId);
    const now = Date.now();
    const claimed = await DeliveryStore.claimIdle(db, deliveryId, randomUUID(), now + claimMs(this.o.timeoutMs), now);
    if (!claimed) throw WebhookErrors.WEBHOOK_DELIVERY_IN_PROGRESS(deliveryId);
    await this.o.runner.attempt(tenant, claimed, 'manual');
    return this.delivery(tenant, webhookId, deliveryId);
  }

  /** Sends a `webhook.ping` event to the webhook now (enabled or not), once, and answers with its outcome. */
  async ping(tenant: Tenant, webhookId: string): Promise<{ delivery: DeliveryRecord; history: AttemptRecord[] }> {
    await this.get(tenant, webhookId);
    const db = await this.o.data.of(tenant);
    const now = Date.now();
    const deliveryId = randomUUID();
    const eventId = `ping-${randomUUID()}`;
    const body = JSON.stringify({ id: eventId, type: PING_EVENT_TYPE, version: 1, tenantId: tenant.id, occurredAt: new Date(now).toISOString(), data: { webhookId } });
    await DeliveryStore.insert(db, { id: deliveryId, webhookId, eventId, eventType: PING_EVENT_TYPE, body, status: 'pending' }, now, null);
    const claimed = await DeliveryStore.claimIdle(db, deliveryId, randomUUID(), now + claimMs(this.o.timeoutMs), now);
    if (!claimed) throw WebhookErrors.WEBHOOK_DELIVERY_IN_PROGRESS(deliveryId);
    await this.o.runner.attempt(tenant, claimed, 'ping');
    return this.delivery(tenant, webhookId, deliveryId);
  }

  /** The checks of a webhook's settings: a known event type for each pattern, an http(s) URL to a public address. */
  private async validate(input: { url?: string; eventTypes?: string[] }): Promise<void> {
    if (input.eventTypes) {
      const unknown = unknownEventTypes(input.eventTypes);
      if (unknown.length > 0) throw WebhookErrors.WEBHOOK_EVENT_TYPE_UNKNOWN.with({ eventTypes: unknown }, unknown.map((t) => `"${t}"`).join(', '));
    }
    if (input.url !== undefined) await this.o.guard.check(input.url);
  }
}
