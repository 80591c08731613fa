import type { Subscription } from '../entities/subscriptions.js';

export const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', maxLength: 64 } } } as const;
export const invoiceParams = {
  type: 'object',
  required: ['tenant', 'ref'],
  properties: { tenant: { type: 'string', maxLength: 64 }, ref: { type: 'string', pattern: '^([0-9a-f-]{36}|(INV|CN)-\\d{4}-\\d{6})$' } },
} as const;
export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } } } as const;

/** For the API docs; the idempotency hook validates the key itself (IDEMPOTENCY_KEY_INVALID). */
export const idempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', description: 'Makes a retry safe: the same key with the same request returns the first answer (24 h)' } },
} as const;

export const subscriptionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['plan'],
  properties: { plan: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,39}$' }, cycle: { type: 'string', enum: ['monthly', 'yearly'] } },
} as const;

export const paymentMethodBody = {
  type: 'object',
  additionalProperties: false,
  required: ['paymentMethod'],
  properties: { paymentMethod: { type: 'string', minLength: 3, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

/**
 * A feature value is a flag, a whole number or null. Left untyped here on purpose: the edge coerces
 * types, which would turn a limit of 0 into `false`; PlanCatalog checks each value against its feature.
 */
const featureValue = {} as const;
const priceTable = { type: 'object', additionalProperties: { type: 'object', required: ['monthly', 'yearly'], additionalProperties: false, properties: { monthly: { type: 'integer', minimum: 0 }, yearly: { type: 'integer', minimum: 0 } } } } as const;
const overageTable = {
  type: 'object',
  additionalProperties: { type: 'object', required: ['apiCallsPer1000', 'storagePerGb'], additionalProperties: false, properties: { apiCallsPer1000: { type: 'integer', minimum: 0 }, storagePerGb: { type: 'integer', minimum: 0 } } },
} as const;

export const planBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'position', 'prices', 'overage', 'features'],
  properties: {
    name: { type: 'object', required: ['en', 'ar'], additionalProperties: false, properties: { en: { type: 'string', minLength: 1, maxLength: 80 }, ar: { type: 'string', minLength: 1, maxLength: 80 } } },
    position: { type: 'integer', minimum: 0 },
    prices: priceTable,
    overage: overageTable,
    features: { type: 'object', additionalProperties: featureValue },
    includedModules: { type: 'array', items: { type: 'string', maxLength: 120 }, default: [] },
    active: { type: 'boolean', default: true },
  },
} as const;

export const overridesBody = { type: 'object', required: ['features'], additionalProperties: false, properties: { features: { type: 'object', additionalProperties: featureValue } } } as const;

export function subscriptionJson(s: Subscription) {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    plan: s.planId,
    cycle: s.cycle,
    currency: s.currency,
    status: s.status,
    trialEndsAt: iso(s.trialEndsAt),
    currentPeriodStart: iso(s.currentPeriodStart),
    currentPeriodEnd: iso(s.currentPeriodEnd),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    pendingChange: s.pendingPlanId || s.pendingCycle ? { plan: s.pendingPlanId, cycle: s.pendingCycle, at: iso(s.currentPeriodEnd) } : null,
  };
}
