import { EntitySchema } from '@mikro-orm/core';

export type BillingCycle = 'monthly' | 'yearly';
export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceled' | 'expired';

/**
 * One per tenant. The billing period is what the plan fee covers (a month or a year); the usage
 * period is always a month from the same anchor, because limits are monthly.
 */
export interface Subscription {
  id: string;
  tenantId: string;
  planId: string;
  cycle: BillingCycle;
  currency: string;
  status: SubscriptionStatus;
  trialEndsAt: Date | null;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  usagePeriodStart: Date;
  usagePeriodEnd: Date;
  cancelAtPeriodEnd: boolean;
  /** A downgrade or cycle change waiting for the period end. */
  pendingPlanId: string | null;
  pendingCycle: BillingCycle | null;
  /** Set when dunning suspended the tenant, so paying reactivates only what billing suspended. */
  suspendedForNonPayment: boolean;
  /** Bumped by every change of plan, period or schedule: a step planned on an older version is not applied. */
  version: number;
  /** The open money-moving step (BillingOperation) holding this subscription; null when none. */
  operationId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const SubscriptionSchema = new EntitySchema<Subscription>({
  name: 'BillingSubscription',
  tableName: 'billing_subscriptions',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 36, unique: true },
    planId: { type: 'string', length: 40 },
    cycle: { type: 'string', length: 10 },
    currency: { type: 'string', length: 3 },
    status: { type: 'string', length: 12, index: true },
    trialEndsAt: { type: 'datetime', nullable: true },
    currentPeriodStart: { type: 'datetime' },
    currentPeriodEnd: { type: 'datetime', index: true },
    usagePeriodStart: { type: 'datetime' },
    usagePeriodEnd: { type: 'datetime', index: true },
    cancelAtPeriodEnd: { type: 'boolean', default: false },
    pendingPlanId: { type: 'string', length: 40, nullable: true },
    pendingCycle: { type: 'string', length: 10, nullable: true },
    suspendedForNonPayment: { type: 'boolean', default: false },
    version: { type: 'integer', default: 0 },
    operationId: { type: 'string', length: 36, nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** A tenant's customer and saved payment method at one provider. */
export interface BillingCustomer {
  id: string;
  tenantId: string;
  provider: string;
  customerId: string | null;
  paymentMethod: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const BillingCustomerSchema = new EntitySchema<BillingCustomer>({
  name: 'BillingCustomer',
  tableName: 'billing_customers',
  properties: {
    id: { type: 'string', primary: true, length: 80 },
    tenantId: { type: 'string', length: 36, index: true },
    provider: { type: 'string', length: 20 },
    customerId: { type: 'string', length: 120, nullable: true },
    paymentMethod: { type: 'string', length: 200, nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** Something billing told a tenant (trial ended, payment failed, suspended), for the dashboard and mail. */
export interface BillingNotice {
  id: string;
  tenantId: string;
  kind: string;
  details: Record<string, unknown>;
  createdAt: Date;
}

export const BillingNoticeSchema = new EntitySchema<BillingNotice>({
  name: 'BillingNotice',
  tableName: 'billing_notices',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 36, index: true },
    kind: { type: 'string', length: 40 },
    details: { type: 'json' },
    createdAt: { type: 'datetime' },
  },
});
