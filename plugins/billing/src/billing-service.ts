import { createServiceRef } from '@dogan/runtime';
import type { Tenant, TenantService } from '@dogan/tenants';
import type { Clock } from './clock.js';
import type { FeatureValue } from './entities/plans.js';
import { BillingErrors } from './errors.js';
import type { InvoiceService } from './invoices/invoice-service.js';
import type { ModuleBilling, ModulePurchaseInput } from './marketplace/module-billing.js';
import type { PaymentService } from './payments/payment-service.js';
import type { PlanCatalog } from './plans/plan-catalog.js';
import type { BillingCycle } from './subscriptions/billing-cycle.js';
import type { SubscriptionService } from './subscriptions/subscription-service.js';
import type { ApiCallMeter } from './usage/api-meter.js';
import type { UsageEventInput, UsageService } from './usage/usage-service.js';

/** A tenant as billing needs it (the tenants plugin's record satisfies it). */
export type BillingTenant = Pick<Tenant, 'id' | 'plan'>;

export interface UsageReport {
  plan: string;
  status: string;
  period: { start: string; end: string };
  apiCalls: { used: number; limit: number | null; remaining: number | null; hardStop: boolean };
  agents: { used: number; limit: number | null };
  workflows: { used: number; limit: number | null };
  /** Every metric another plugin counts (`usageCountersRef`), against its limit. */
  counters: Record<string, { used: number; limit: number | null }>;
  storage: { usedBytes: number; limitGb: number | null };
  features: Record<string, FeatureValue>;
}

/** What the billing plugin offers other plugins (agents, workflows, marketplace). */
export interface BillingService {
  /**
   * Throws PLAN_LIMIT_REACHED (403) when one more `resource` would pass the tenant's limit. Without
   * `currentCount`, the counter registered for the resource counts (0 when none is).
   */
  assertWithinLimit(tenant: BillingTenant, resource: string, currentCount?: number): Promise<void>;
  /** Features and limits after tenant override → plan → default. */
  features(tenant: BillingTenant): Promise<Record<string, FeatureValue>>;
  hasFeature(tenant: BillingTenant, feature: string): Promise<boolean>;
  /** A marketplace purchase: its price goes on the tenant's invoice, the publisher's share to payouts. */
  purchaseModule(tenantId: string, input: ModulePurchaseInput): ReturnType<ModuleBilling['purchase']>;
  /** A metered module use; the key makes it idempotent per tenant. False for a duplicate. */
  recordUsage(tenantId: string, event: UsageEventInput): Promise<boolean>;
  /** Usage against limits, for dashboards and `/api/v1/tenant/quota`. */
  usageReport(tenant: Tenant): Promise<UsageReport>;
  /** One billing run now: trial ends, closed periods, renewals, dunning retries. */
  runCycle(): Promise<{ processed: number }>;
  flushUsage(): Promise<void>;
  readonly clock: Clock;
  readonly catalog: PlanCatalog;
  readonly subscriptions: SubscriptionService;
  readonly invoices: InvoiceService;
  readonly payments: PaymentService;
  readonly usage: UsageService;
  readonly meter: ApiCallMeter;
  readonly modules: ModuleBilling;
  readonly cycle: BillingCycle;
}

export const billingServiceRef = createServiceRef<BillingService>({ id: 'billing.service' });

export interface BillingParts {
  clock: Clock;
  catalog: PlanCatalog;
  subscriptions: SubscriptionService;
  invoices: InvoiceService;
  payments: PaymentService;
  usage: UsageService;
  meter: ApiCallMeter;
  modules: ModuleBilling;
  cycle: BillingCycle;
  tenants: TenantService;
}

export function createBillingService(parts: BillingParts): BillingService {
  const { catalog, subscriptions, usage, meter, modules, cycle } = parts;
  const planOf = async (tenant: BillingTenant) => (await subscriptions.find(tenant.id))?.planId ?? tenant.plan;
  return {
    ...parts,
    async assertWithinLimit(tenant, resource, currentCount) {
      const planId = await planOf(tenant);
      const limit = await catalog.limit(tenant.id, planId, resource);
      if (limit === null) return;
      const current = currentCount ?? (await usage.count(await parts.tenants.get(tenant.id), resource));
      if (current >= limit) {
        const name = catalog.cached(planId)?.name.en ?? planId;
        throw BillingErrors.PLAN_LIMIT_REACHED.with({ resource, limit, current, plan: planId }, name, limit, resource);
      }
    },
    async features(tenant) {
      return catalog.resolve(tenant.id, await planOf(tenant));
    },
    async hasFeature(tenant, feature) {
      return (await catalog.resolve(tenant.id, await planOf(tenant)))[feature] === true;
    },
    purchaseModule: (tenantId, input) => modules.purchase(tenantId, input),
    recordUsage: (tenantId, event) => usage.record(tenantId, event),
    async usageReport(tenant) {
      const sub = await subscriptions.ensure(tenant);
      const features = await catalog.resolve(tenant.id, sub.planId);
      const { used, period } = await meter.usage(tenant.id);
      // A feature the plan does not name (a metered counter such as agent tokens) has no limit: null, not 0.
      const limitOf = (name: string) => (typeof features[name] === 'number' ? (features[name] as number) : features[name] === null || features[name] === undefined ? null : 0);
      const apiLimit = limitOf('apiCallsPerMonth');
      const counted = async (metric: string) => ({ used: await usage.count(tenant, metric), limit: limitOf(metric) });
      const counters: UsageReport['counters'] = {};
      for (const metric of usage.counters.metrics()) counters[metric] = await counted(metric);
      return {
        plan: sub.planId,
        status: sub.status,
        period: { start: period.periodStart.toISOString(), end: period.periodEnd.toISOString() },
        apiCalls: { used, limit: apiLimit, remaining: apiLimit === null ? null : Math.max(0, apiLimit - used), hardStop: period.hardStop },
        agents: counters.agents ?? (await counted('agents')),
        workflows: counters.workflows ?? (await counted('workflows')),
        counters,
        storage: { usedBytes: await usage.storageBytes(tenant), limitGb: limitOf('storageGb') },
        features,
      };
    },
    runCycle: () => cycle.run(),
    flushUsage: () => meter.flush(),
  };
}
