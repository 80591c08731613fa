import type { Logger } from 'pino';
import type { SecretBox } from '@dogan/runtime';
import type { EventOutbox, Tenant, TenantData, SqlSession } from '@dogan/tenants';
import { DeliveryStore, type AttemptKind, type DeliveryRecord, type DeliveryStatus } from '../store/delivery-store.js';
import type { DueIndex } from '../store/due-index.js';
import { WebhookStore, type WebhookRecord } from '../store/webhook-store.js';
import { sendWebhook, type AttemptOutcome } from './send-webhook.js';
import { signatureHeader } from './signature.js';
import type { UrlGuard } from './url-guard.js';

export interface DeliveryRunnerOptions {
  readonly data: TenantData;
  readonly box: SecretBox;
  readonly guard: UrlGuard;
  readonly due: DueIndex;
  /** Waits before each retry, ms. */
  readonly schedule: readonly number[];
  readonly timeoutMs: number;
  readonly disableAfterDeliveries: number;
  readonly disableAfterMs: number;
  /** The transactional outbox, when the events plugin provides one. */
  readonly outbox: () => EventOutbox | undefined;
  readonly log: Logger;
}

/** How long a claim holds: the receiver's timeout and a margin; a node that dies mid-send frees it then. */
export const claimMs = (timeoutMs: number) => timeoutMs + 30_000;

/**
 * Sends one claimed delivery and records what came of it: the attempt in the log, the delivery's next
 * state (delivered, a retry on the schedule, or failed), and the webhook's health, disabling it after
 * sustained failure. Every attempt of a delivery sends the same body under the same delivery id.
 */
export class DeliveryRunner {
  constructor(private readonly o: DeliveryRunnerOptions) {}

  async attempt(tenant: Tenant, d: DeliveryRecord, kind: AttemptKind): Promise<AttemptOutcome | null> {
    const db = await this.o.data.of(tenant);
    const webhook = await WebhookStore.get(db, d.webhookId);
    if (!webhook) return null;
    if (!webhook.enabled && kind === 'automatic') {
      await DeliveryStore.abandon(db, d, 'not sent: the webhook is disabled', Date.now());
      return null;
    }
    const startedAt = Date.now();
    const outcome = await sendWebhook(this.o.guard, { url: webhook.url, headers: this.headers(webhook, d, startedAt), body: d.body }, this.o.timeoutMs);
    const now = Date.now();
    const { status, nextAttemptAt } = this.nextState(d, kind, outcome.delivered, now);
    const ours = await DeliveryStore.complete(db, d, { kind, startedAt, status, nextAttemptAt, responseStatus: outcome.status, responseMs: outcome.durationMs, error: outcome.error }, now);
    if (!ours) return outcome;
    if (nextAttemptAt !== null) await this.o.due.markDue(tenant.id, nextAttemptAt);
    const healthy = webhook.consecutiveFailures === 0 && webhook.failingSince === null;
    if (outcome.delivered && kind !== 'ping' && !healthy) await WebhookStore.recordSuccess(db, webhook.id);
    else if (!outcome.delivered && kind === 'automatic') await this.recordFailure(db, tenant, webhook, status === 'failed', now);
    return outcome;
  }

  private headers(webhook: WebhookRecord, d: DeliveryRecord, now: number): Record<string, string> {
    const timestamp = Math.floor(now / 1000);
    const secrets = [this.o.box.decrypt(webhook.secret)];
    // During a rotation's grace period the old secret signs too, so receivers can switch at their pace.
    if (webhook.previousSecret && (webhook.previousSecretUntil ?? 0) > now) secrets.push(this.o.box.decrypt(webhook.previousSecret));
    return {
      'content-type': 'application/json',
      'user-agent': 'Dogan-Webhooks/1',
      'x-dogan-delivery': d.id,
      'x-dogan-event': d.eventType,
      'x-dogan-attempt': String(d.attempts),
      'x-dogan-timestamp': String(timestamp),
      'x-dogan-signature': signatureHeader(secrets, timestamp, d.body),
    };
  }

  /**
   * After a failed scheduled attempt: a retry after the next wait of the schedule, or failed once
   * it is spent. A failed redelivery of a delivery still waiting for a retry keeps it waiting; a ping
   * is tried once.
   */
  private nextState(d: DeliveryRecord, kind: AttemptKind, delivered: boolean, now: number): { status: DeliveryStatus; nextAttemptAt: number | null } {
    if (delivered) return { status: 'delivered', nextAttemptAt: null };
    const schedule = this.o.schedule;
    if (kind === 'ping') return { status: 'failed', nextAttemptAt: null };
    if (kind === 'manual') {
      // next_attempt_at is kept only while a delivery waits for a retry: a pending one keeps its schedule.
      return d.nextAttemptAt === null ? { status: 'failed', nextAttemptAt: null } : { status: 'pending', nextAttemptAt: Math.max(d.nextAttemptAt, now + schedule[0]!) };
    }
    const wait = schedule[d.attempts - 1];
    return wait === undefined ? { status: 'failed', nextAttemptAt: null } : { status: 'pending', nextAttemptAt: now + wait };
  }

  /** Counts a failed attempt against the webhook and disables it once failure is sustained. */
  private async recordFailure(db: SqlSession, tenant: Tenant, webhook: WebhookRecord, exhausted: boolean, now: number): Promise<void> {
    const health = await WebhookStore.recordFailure(db, webhook.id, exhausted, now);
    if (!health?.enabled) return;
    let reason: string | undefined;
    if (health.consecutiveFailures >= this.o.disableAfterDeliveries) reason = `${health.consecutiveFailures} deliveries in a row failed every attempt`;
    else if (health.failingSince !== null && now - health.failingSince >= this.o.disableAfterMs) reason = `failing since ${new Date(health.failingSince).toISOString()} with no success`;
    if (!reason) return;
    const outbox = this.o.outbox();
    const disabled = await db.transaction(async (tx) => {
      if (!(await WebhookStore.disable(tx, webhook.id, reason, now))) return false;
      await DeliveryStore.cancelPending(tx, webhook.id, 'not sent: the webhook was disabled after sustained failure', now);
      await outbox?.record(tx, [{ type: 'webhook.disabled', tenantId: tenant.id, payload: { webhookId: webhook.id, url: webhook.url, reason } }]);
      return true;
    });
    if (disabled) this.o.log.warn({ tenantId: tenant.id, webhookId: webhook.id, reason }, 'webhook disabled after sustained failure');
  }
}
