import { EntitySchema } from '@mikro-orm/core';
import { money } from './columns.js';

export type PaymentStatus = 'pending' | 'succeeded' | 'failed';

/** One attempt to collect one invoice; succeeded only on the provider's (or an admin's) confirmation. */
export interface Payment {
  id: string;
  invoiceId: string;
  tenantId: string;
  provider: string;
  attempt: number;
  /** Sent to the provider so a retried request cannot charge twice. */
  idempotencyKey: string;
  providerPaymentId: string | null;
  status: PaymentStatus;
  amount: number;
  currency: string;
  failureCode: string | null;
  failureMessage: string | null;
  /** Bank transfer reference, confirmed by a platform admin. */
  reference: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const PaymentSchema = new EntitySchema<Payment>({
  name: 'BillingPayment',
  tableName: 'billing_payments',
  // One row per attempt: two nodes starting "the next attempt" of an invoice cannot both insert it.
  uniques: [{ properties: ['invoiceId', 'attempt'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    invoiceId: { type: 'string', length: 36, index: true },
    tenantId: { type: 'string', length: 36, index: true },
    provider: { type: 'string', length: 20 },
    attempt: { type: 'integer' },
    idempotencyKey: { type: 'string', length: 100, unique: true },
    providerPaymentId: { type: 'string', length: 120, nullable: true, index: true },
    status: { type: 'string', length: 10 },
    amount: money(),
    currency: { type: 'string', length: 3 },
    failureCode: { type: 'string', length: 80, nullable: true },
    failureMessage: { type: 'string', length: 500, nullable: true },
    reference: { type: 'string', length: 120, nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** Webhook events seen, keyed by provider and event id: a second delivery is recognised and ignored. */
export interface WebhookEvent {
  id: string;
  provider: string;
  eventId: string;
  type: string;
  outcome: string;
  receivedAt: Date;
}

export const WebhookEventSchema = new EntitySchema<WebhookEvent>({
  name: 'BillingWebhookEvent',
  tableName: 'billing_webhook_events',
  properties: {
    id: { type: 'string', primary: true, length: 200 },
    provider: { type: 'string', length: 20 },
    eventId: { type: 'string', length: 160 },
    type: { type: 'string', length: 80 },
    outcome: { type: 'string', length: 60 },
    receivedAt: { type: 'datetime' },
  },
});
