import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { buildKernel, type Kernel } from '@dogan/runtime';
import ksaPlugin from '@dogan/plugin-ksa';
import tenantsPlugin, { tenantsApiRef, type TenantsApi } from '@dogan/tenants';
import type { Test } from 'tap';
import { addMonths, billingServiceRef, createBillingPlugin, ManualClock, type BillingService } from '../../plugins/billing/src/index.js';
import {
  BillingCustomerSchema,
  PendingChargeSchema,
  SubscriptionSchema,
  TenantFeatureOverrideSchema,
  type Subscription,
} from '../../plugins/billing/src/entities/index.js';
import { lineText } from '../../plugins/billing/src/invoices/line-text.js';
import type { TestEngine } from '../helpers/engines.js';
import { StripeSimulator } from '../simulators/stripe-simulator.js';

/**
 * Billing nodes for fault tests: N kernels on ONE control-plane database (each built from its own
 * `engine.config()`, as separate machines would be), one Stripe simulator they all charge, and one
 * hand-moved clock, so "the period ended" is the same instant everywhere.
 */
export interface BillingNode {
  kernel: Kernel;
  app: Kernel['app'];
  billing: BillingService;
  api: TenantsApi;
}

export interface BillingNodes {
  nodes: BillingNode[];
  clock: ManualClock;
  stripe: StripeSimulator;
}

export const SELLER_VAT = '399999999900003';

export async function startBillingNodes(t: Test, engine: TestEngine, options: { count: number; start: Date }): Promise<BillingNodes> {
  const stripe = new StripeSimulator();
  await stripe.start();
  t.teardown(() => stripe.close());
  const clock = new ManualClock(options.start);
  const nodes: BillingNode[] = [];
  // One after the other: what two nodes starting at once do to the schema is another suite's subject.
  for (let i = 0; i < options.count; i++) {
    const config = engine.config({
      BILLING_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_URL: stripe.url,
      DOGAN_SELLER_NAME: 'شركة الاختبار',
      DOGAN_SELLER_VAT_NUMBER: SELLER_VAT,
      TENANT_ORM_CACHE_SIZE: '4',
    });
    const billingPlugin = createBillingPlugin({ clock, flushIntervalMs: 3_600_000, cycleIntervalMs: 0 });
    const kernel = await buildKernel({ config, plugins: [tenantsPlugin, ksaPlugin, billingPlugin] });
    t.teardown(() => kernel.close());
    nodes.push({ kernel, app: kernel.app, billing: kernel.host.service(billingServiceRef), api: kernel.host.service(tenantsApiRef) });
  }
  return { nodes, clock, stripe };
}

export interface SeededTenant {
  id: string;
  subdomain: string;
  group: string;
}

export interface SeedSpec {
  group: string;
  subdomain: string;
  /** Trial: ends at `trialEndsAt`. Active: the billing period [periodStart, addMonths(periodStart, months)). */
  kind: 'trial' | 'active';
  planId: string;
  cycle?: 'monthly' | 'yearly';
  trialEndsAt?: Date;
  trialStartedAt?: Date;
  periodStart?: Date;
  pendingPlanId?: string | null;
  pendingCycle?: 'monthly' | 'yearly' | null;
  /** A one-time module charge waiting for the tenant's next invoice (minor units). */
  pendingCharge?: number;
}

/**
 * Writes a tenant, its subscription and a saved card straight into the control plane. A hundred
 * tenants provisioned through the API would each need a database of their own, which billing does
 * not read here (storage is overridden to unlimited, the only limit that looks into a tenant's
 * database). The card is saved without a Stripe customer: the simulator ties a test card to one
 * customer at a time, and a hundred tenants share `pm_card_visa`.
 */
export async function seedTenant(node: BillingNode, spec: SeedSpec, now: Date): Promise<SeededTenant> {
  return (await seedTenants(node, [spec], now))[0]!;
}

/** Many tenants in one transaction (a commit per row would make the seeding the slow part of a suite). */
export async function seedTenants(node: BillingNode, specs: readonly SeedSpec[], now: Date): Promise<SeededTenant[]> {
  return node.api.controlPlane.em.fork().transactional(async (em) => {
    const out: SeededTenant[] = [];
    for (const spec of specs) out.push(await insertTenant(em, spec, now));
    return out;
  });
}

async function insertTenant(em: EntityManager, spec: SeedSpec, now: Date): Promise<SeededTenant> {
  const id = randomUUID();
  const cycle = spec.cycle ?? 'monthly';
  await em.insert('Tenant', {
    id,
    name: spec.subdomain,
    subdomain: spec.subdomain,
    status: spec.kind === 'trial' ? 'trial' : 'active',
    plan: spec.planId,
    trialEndsAt: spec.trialEndsAt ?? null,
    databaseServer: 'sqlite',
    databaseName: `unused_${id.replace(/-/g, '')}`,
    locale: 'en',
    timezone: 'Asia/Riyadh',
    country: 'SA',
    createdAt: spec.trialStartedAt ?? spec.periodStart ?? now,
    updatedAt: now,
  });
  let row: Omit<Subscription, 'id' | 'tenantId' | 'createdAt' | 'updatedAt' | 'version' | 'operationId'>;
  if (spec.kind === 'trial') {
    const started = spec.trialStartedAt!;
    row = {
      planId: spec.planId, cycle, currency: 'SAR', status: 'trialing', trialEndsAt: spec.trialEndsAt!,
      currentPeriodStart: started, currentPeriodEnd: spec.trialEndsAt!, usagePeriodStart: started, usagePeriodEnd: addMonths(started, 1),
      cancelAtPeriodEnd: false, pendingPlanId: null, pendingCycle: null, suspendedForNonPayment: false,
    };
  } else {
    const start = spec.periodStart!;
    const months = cycle === 'yearly' ? 12 : 1;
    const end = addMonths(start, months);
    row = {
      planId: spec.planId, cycle, currency: 'SAR', status: 'active', trialEndsAt: null,
      currentPeriodStart: start, currentPeriodEnd: end, usagePeriodStart: addMonths(start, months - 1), usagePeriodEnd: end,
      cancelAtPeriodEnd: false, pendingPlanId: spec.pendingPlanId ?? null, pendingCycle: spec.pendingCycle ?? null, suspendedForNonPayment: false,
    };
  }
  await em.insert(SubscriptionSchema, { id: randomUUID(), tenantId: id, ...row, createdAt: now, updatedAt: now } as Subscription);
  await em.insert(BillingCustomerSchema, { id: `${id}:stripe`, tenantId: id, provider: 'stripe', customerId: null, paymentMethod: 'pm_card_visa', createdAt: now, updatedAt: now });
  await em.insert(TenantFeatureOverrideSchema, { tenantId: id, features: { storageGb: null }, updatedBy: 'test', updatedAt: now });
  if (spec.pendingCharge) {
    await em.insert(PendingChargeSchema, {
      id: randomUUID(), tenantId: id, kind: 'module', description: lineText.module('acme.crm', '1.0.0'), amount: spec.pendingCharge, currency: 'SAR',
      metadata: { moduleId: 'acme.crm', version: '1.0.0', publisher: 'acme' }, invoiceId: null, createdAt: now,
    });
  }
  return { id, subdomain: spec.subdomain, group: spec.group };
}

/** Counts per key of a list. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

/** Succeeded PaymentIntents at the simulator, per invoice id (what really left the card). */
export function chargesPerInvoice(stripe: StripeSimulator): Map<string, number> {
  const succeeded = [...stripe.paymentIntents.values()].filter((pi) => pi.status === 'succeeded');
  return countBy(succeeded, (pi) => String((pi.metadata as Record<string, string>).invoice_id));
}

/** Succeeded PaymentIntents at the simulator, per tenant id. */
export function chargesPerTenant(stripe: StripeSimulator): Map<string, number> {
  const succeeded = [...stripe.paymentIntents.values()].filter((pi) => pi.status === 'succeeded');
  return countBy(succeeded, (pi) => String((pi.metadata as Record<string, string>).tenant_id));
}
