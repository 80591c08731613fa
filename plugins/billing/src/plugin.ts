import type { Logger } from 'pino';
import { definePlugin, eventBusRef, type ServiceLookup } from '@dogan/runtime';
import { ksaServiceRef, formatHijriIso, type KsaPlatform } from '@dogan/plugin-ksa';
import {
  clusterSchedulerRef,
  eventOutboxRef,
  EventRecorder,
  IdempotencyStore,
  installIdempotency,
  keepCachesCoherent,
  invoiceDocumentsRef,
  planFeaturesRef,
  planLimitsRef,
  quotaProviderRef,
  tenantsApiRef,
  usageCountersRef,
  type CacheCoherence,
  type CoherenceOptions,
  type ScheduledJob,
  type TenantsApi,
} from '@dogan/tenants';
import { billingConfigSchema, checkBillingConfig, type BillingConfig } from './config.js';
import { billingServiceRef, createBillingService, type BillingService } from './billing-service.js';
import { systemClock, type Clock } from './clock.js';
import { billingEntities } from './entities/index.js';
import type { RecordEvents } from './events.js';
import { billingControlPlaneMigrations } from './migrations/index.js';
import { InvoiceSchema, type Invoice } from './entities/invoices.js';
import { SubscriptionSchema } from './entities/subscriptions.js';
import { billingAdminRoutes } from './http/admin-routes.js';
import { installMetering, quotaGuard } from './http/metering-hooks.js';
import { billingTenantRoutes } from './http/tenant-routes.js';
import { webhookRoutes } from './http/webhook-routes.js';
import { invoiceDocuments } from './invoices/invoice-documents.js';
import { InvoiceService } from './invoices/invoice-service.js';
import { ModuleBilling } from './marketplace/module-billing.js';
import { PaymentService } from './payments/payment-service.js';
import { configuredProvider, providerNamed } from './payments/providers.js';
import { PlanCatalog } from './plans/plan-catalog.js';
import { BillingCycle } from './subscriptions/billing-cycle.js';
import { moveTenant, SubscriptionService } from './subscriptions/subscription-service.js';
import { ApiCallMeter } from './usage/api-meter.js';
import { monthlyPeriodAt } from './usage/periods.js';
import { UsageService } from './usage/usage-service.js';

export interface BillingPluginOptions {
  /** Time source; tests pass a ManualClock. */
  clock?: Clock;
  /** How often counted API calls are written (default 5 s). */
  flushIntervalMs?: number;
  /**
   * How often the billing run (trial ends, closed periods, renewals) and dunning are due, overriding
   * BILLING_CYCLE_INTERVAL_MS and BILLING_DUNNING_INTERVAL_MS; 0 disables both (tests run them by hand).
   */
  cycleIntervalMs?: number;
}

const DEFAULT_FLUSH_MS = 5_000;

function build(ctx: { config: BillingConfig; log: Logger; deps: { tenants: TenantsApi; ksa: KsaPlatform }; services: ServiceLookup }, clock: Clock): BillingService {
  const api = ctx.deps.tenants;
  const ksa = ctx.deps.ksa;
  const orm = api.controlPlane;
  const config = ctx.config;
  const recorder = new EventRecorder(() => ctx.services.getOptional(eventOutboxRef));
  const events: RecordEvents = (em, list) => recorder.record(api.data.controlPlaneWithin(em), list);
  const catalog = new PlanCatalog(orm);
  const invoices = new InvoiceService({
    orm,
    data: api.data,
    clock,
    catalog,
    seller: { name: config.DOGAN_SELLER_NAME, vatNumber: config.DOGAN_SELLER_VAT_NUMBER },
    hijriOf: (iso) => formatHijriIso(ksa.service.calendar.toHijri(iso)),
    events,
  });
  let service!: BillingService;
  const payments = new PaymentService({
    orm,
    clock,
    log: ctx.log,
    provider: configuredProvider(config),
    providers: (name) => (name === config.BILLING_PROVIDER ? configuredProvider(config) : providerNamed(config, name)),
    events,
    hooks: {
      async onInvoicePaid(invoice: Invoice) {
        await service.modules.recordPayouts(invoice);
        const sub = await service.subscriptions.find(invoice.tenantId);
        if (!sub) return;
        const open = await orm.em.fork().count(InvoiceSchema, { tenantId: invoice.tenantId, status: 'issued', firstFailedAt: { $ne: null } });
        if (open > 0) return;
        if (sub.status === 'past_due') await service.subscriptions.moveStatus(invoice.tenantId, 'past_due', 'active', 'payment_recovered');
        if (sub.suspendedForNonPayment) {
          await orm.em.fork().nativeUpdate(SubscriptionSchema, { id: sub.id }, { suspendedForNonPayment: false });
          await moveTenant(api.tenants, invoice.tenantId, 'activate', 'billing:payment');
        }
        await service.subscriptions.notice(invoice.tenantId, 'payment_received', { invoice: invoice.number, amount: invoice.total, currency: invoice.currency, messageKey: 'email.paymentReceived.subject' });
      },
      async onPaymentFailed(invoice, payment) {
        await service.subscriptions.moveStatus(invoice.tenantId, 'active', 'past_due', 'past_due');
        await service.subscriptions.notice(invoice.tenantId, 'payment_failed', { invoice: invoice.number, attempt: payment.attempt, code: payment.failureCode, nextAttemptAt: invoice.nextAttemptAt?.toISOString() ?? null });
      },
      async onDunningExhausted(invoice) {
        await orm.em.fork().nativeUpdate(SubscriptionSchema, { tenantId: invoice.tenantId }, { suspendedForNonPayment: true });
        await moveTenant(api.tenants, invoice.tenantId, 'suspend', 'billing:dunning');
        await service.subscriptions.notice(invoice.tenantId, 'suspended', { invoice: invoice.number });
      },
    },
  });
  const subscriptions = new SubscriptionService({
    orm, clock, log: ctx.log, catalog, invoices, payments, tenants: api.tenants,
    currency: config.BILLING_CURRENCY, trialDays: api.config.TRIAL_PERIOD_DAYS,
    changed: (tenantId) => service?.meter.invalidate(tenantId),
    events,
  });
  const meter = new ApiCallMeter({
    sql: api.data.controlPlane,
    clock,
    log: ctx.log,
    async periodOf(tenantId) {
      const tenant = await api.tenants.get(tenantId);
      const sub = await subscriptions.ensure(tenant);
      const period = monthlyPeriodAt(sub.currentPeriodStart, clock.now());
      return {
        periodStart: period.start,
        periodEnd: period.end,
        limit: await catalog.limit(tenantId, sub.planId, 'apiCallsPerMonth'),
        hardStop: sub.status === 'trialing' || tenant.status === 'trial',
      };
    },
  });
  const usage = new UsageService({ orm, data: api.data, clock, meter });
  const modules = new ModuleBilling({ orm, clock, usage, currency: config.BILLING_CURRENCY, sharePercent: config.MARKETPLACE_PUBLISHER_SHARE_PERCENT });
  const cycle = new BillingCycle({ orm, clock, log: ctx.log, catalog, subscriptions, payments, usage, meter, modules, tenants: api.tenants, events });
  service = createBillingService({ clock, catalog, subscriptions, invoices, payments, usage, meter, modules, cycle, tenants: api.tenants });
  return service;
}

/** Each node's quota cache reloads a tenant whose plan, period or status changed on any node. */
function quotaCachesConsumer(billing: BillingService, log: Logger): CoherenceOptions {
  return {
    name: 'billing.quotas',
    types: ['billing.subscription_changed', 'tenant.*'],
    log,
    apply: (event) => (event.tenantId ? billing.meter.invalidate(event.tenantId) : undefined),
    resync: () => billing.meter.invalidateAll(),
  };
}

/**
 * The billing plugin: plans as data with tenant overrides, trials and subscriptions with proration,
 * API-call metering and quotas, VAT invoices with ZATCA QR codes, payments (Stripe, Moyasar, bank
 * transfer) with idempotent webhooks and dunning, and marketplace revenue shares.
 */
export function createBillingPlugin(options: BillingPluginOptions = {}) {
  const clock = options.clock ?? systemClock;
  // The scheduled jobs of each running instance: a plugin definition may serve several kernels in one process (tests).
  const scheduled = new WeakMap<BillingService, ScheduledJob[]>();
  const coherence = new WeakMap<BillingService, CacheCoherence>();
  return definePlugin({
    name: 'billing',
    version: '0.1.0',
    kernel: '^0.1.0',
    description: 'Plans, subscriptions, usage metering and quotas, VAT invoices with ZATCA QR, payments and dunning',
    config: billingConfigSchema,
    checkConfig: checkBillingConfig,
    deps: { tenants: tenantsApiRef, ksa: ksaServiceRef, scheduler: clusterSchedulerRef },
    // With the events plugin, billing's events are recorded in its outbox and each node's quota cache follows plan changes.
    optionalDeps: { outbox: eventOutboxRef, bus: eventBusRef },
    provides: [billingServiceRef, quotaProviderRef, usageCountersRef, planFeaturesRef, planLimitsRef, invoiceDocumentsRef],
    controlPlaneEntities: billingEntities,
    controlPlaneMigrations: billingControlPlaneMigrations,

    async init(ctx): Promise<BillingService> {
      const service = build(ctx, clock);
      await service.catalog.seed();
      ctx.provide(billingServiceRef, service);
      // GET /api/v1/tenant/quota (served by the tenants plugin) reports usage through billing.
      ctx.provide(quotaProviderRef, { usageReport: (tenant) => service.usageReport(tenant) });
      ctx.provide(planFeaturesRef, { hasFeature: (tenant, feature) => service.hasFeature(tenant, feature) });
      // The invoice page, for the email plugin's invoice-issued notice (the same page as GET .../invoices/{ref}/html).
      ctx.provide(invoiceDocumentsRef, invoiceDocuments(service, ctx.deps.ksa as KsaPlatform));
      // Plugins that own a limited resource (agents) check the plan's limit here before creating one.
      ctx.provide(planLimitsRef, {
        async limit(tenant, resource) {
          const value = (await service.features(tenant))[resource];
          return typeof value === 'number' ? value : value === null ? null : 0;
        },
        assertWithinLimit: (tenant, resource, currentCount) => service.assertWithinLimit(tenant, resource, currentCount),
      });
      // Other plugins count what plans limit (agents, workflows); usage reports and limit checks read them.
      ctx.provide(usageCountersRef, service.usage.counters);
      // Metered tenant routes are refused past the plan's API-call quota, after tenant and scope checks.
      if (ctx.config.USAGE_TRACKING_ENABLED) ctx.addRouteGuard('quota', quotaGuard(service.meter, () => clock.now()));
      if (ctx.config.BILLING_PROVIDER !== 'none' && !ctx.config.DOGAN_SELLER_VAT_NUMBER) {
        ctx.log.warn('DOGAN_SELLER_VAT_NUMBER is not set: VAT invoices cannot be issued');
      }
      return service;
    },

    pipeline(app, ctx, billing) {
      if (!ctx.config.USAGE_TRACKING_ENABLED) return;
      installMetering(app, billing.meter);
    },

    async routes(app, ctx, billing) {
      const { tenants: api, ksa } = ctx.deps;
      await billingAdminRoutes(app, { billing, tenants: api });
      await app.register(async (scope) => {
        // Routes that move money take an Idempotency-Key, kept in the control plane so every node sees it.
        installIdempotency(scope, { store: new IdempotencyStore({ orm: api.controlPlane, now: () => clock.now() }) });
        await billingTenantRoutes(scope, { billing, ksa });
      });
      await app.register(async (hooks) => webhookRoutes(hooks, billing));
    },

    async onReady(ctx, billing) {
      const bus = ctx.services.getOptional(eventBusRef);
      if (bus) coherence.set(billing, await keepCachesCoherent(bus, quotaCachesConsumer(billing, ctx.log)));
      billing.meter.start(options.flushIntervalMs ?? DEFAULT_FLUSH_MS);
      if (options.cycleIntervalMs === 0) return;
      // Once per due time across the cluster: each step claims its tenant and period too, so a run
      // started by hand (POST /api/admin/billing/run) meanwhile still bills nothing twice.
      const { scheduler } = ctx.deps;
      scheduled.set(billing, [
        scheduler.scheduleOncePerCluster('billing_cycle', { intervalMs: options.cycleIntervalMs ?? ctx.config.BILLING_CYCLE_INTERVAL_MS, run: () => billing.cycle.runPeriods() }),
        scheduler.scheduleOncePerCluster('billing_dunning', { intervalMs: options.cycleIntervalMs ?? ctx.config.BILLING_DUNNING_INTERVAL_MS, run: () => billing.payments.runDunning() }),
      ]);
    },

    async onTenantProvisioned(tenant, ctx, billing) {
      await billing.subscriptions.ensure(await ctx.deps.tenants.tenants.get(tenant.id).catch(() => tenant as never));
    },

    async onClose(_ctx, billing) {
      await coherence.get(billing)?.close();
      await Promise.all((scheduled.get(billing) ?? []).map((job) => job.stop()));
      // Counted calls not yet written go to the database before the control plane closes.
      await billing.meter.close();
    },
  });
}
