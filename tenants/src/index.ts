import type { MikroORM } from '@mikro-orm/core';
import { createServiceRef, definePlugin, eventBusRef, PLATFORM_ADMIN_POLICY, tenantPolicy } from '@dogan/runtime';
import { ApiKeyService } from './api-keys.js';
import { tenantCommands } from './cli/tenant-commands.js';
import { openControlPlane } from './database/control-plane.js';
import { ControlPlaneHealth } from './database/control-plane-health.js';
import { configuredServers } from './database/database-servers.js';
import { TenantDatabaseManager } from './database/tenant-database-manager.js';
import { TenantData } from './database/tenant-data.js';
import { createTenantGuard, scopeGuard } from './http/tenant-auth.js';
import { adminTenantRoutes } from './routes/admin-tenants.js';
import { apiKeyRoutes } from './routes/api-key-routes.js';
import { tenantSelfRoutes } from './routes/tenant-self.js';
import { TenantService } from './tenant-service.js';
import { ensureDemoTenant } from './demo-tenant.js';
import { asEntitySchemas } from './database/entity-definitions.js';
import { tenantsConfigSchema, type TenantsConfig } from './config.js';
import { leasesRef, type Leases } from './leases/lease.js';
import { openLeases } from './leases/open-leases.js';
import { clusterSchedulerRef, Scheduler, type ScheduledJob } from './scheduling/cluster-scheduler.js';
import { ScheduledRuns } from './scheduling/scheduled-runs.js';
import { schedulerMetrics } from './scheduling/scheduler-metrics.js';
import { eventOutboxRef } from './event-outbox.js';
import { EventRecorder, keepCachesCoherent, type CacheCoherence } from './event-recorder.js';
import { tenantCachesConsumer } from './tenant-caches.js';
import { AuditTrail, auditRoutes, installAuditRecording, type AuditRecorder } from './audit/index.js';

export { tenantsConfigSchema, type TenantsConfig } from './config.js';

export { TenantErrors } from './errors.js';
import type { Tenant, TenantStatus } from './entities/tenant.js';
export type { Tenant, TenantStatus };
export { TenantService, type CreateTenantInput } from './tenant-service.js';
export { TenantDatabaseManager, type Dialect } from './database/tenant-database-manager.js';
export { TenantData } from './database/tenant-data.js';
export type { SqlParam, SqlRow, SqlSession } from './database/sql-session.js';
export { storableJson, storableText } from './database/storable-text.js';
export { isControlPlaneSession } from './database/control-plane.js';
export { lockKey } from './database/schema-lock.js';
export { usageCountersRef, type UsageCounter, type UsageCounters } from './usage-counters.js';
export { eventOutboxRef, type EventOutbox, type NewPlatformEvent } from './event-outbox.js';
export { EventRecorder, keepCachesCoherent, type CacheCoherence, type CoherenceOptions } from './event-recorder.js';
export * from './events.js';
export { ApiKeyService } from './api-keys.js';
export { leasesRef, type Lease, type Leases } from './leases/lease.js';
export {
  clusterSchedulerRef,
  type ClusterScheduler,
  type RunOutcome,
  type ScheduledJob,
  type ScheduledJobOptions,
  type ScheduledRun,
} from './scheduling/cluster-scheduler.js';
export type { Schedule } from './scheduling/cadence.js';
export { parseCron, type CronSchedule } from './scheduling/cron.js';
export { TenantDueIndex, type DueTenantEntry } from './scheduling/tenant-due-index.js';
export { ControlPlaneHealth } from './database/control-plane-health.js';
export { tenantReferences } from './http/resolve-tenant.js';
export * from './idempotency/index.js';
export type { Caller } from './http/tenant-auth.js';
export {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  ArchiveErrors,
  ArchiveReader,
  ArchiveWriter,
  LEGACY_SCHEMA_VERSION,
  openArchive,
  PartWriter,
  readLegacyV1,
  verifyArchive,
  type ArchivePart,
  type ArchiveProgress,
  type ArchiveReaderOptions,
  type ArchiveRow,
  type ArchiveSourceInfo,
  type ArchiveSummary,
  type ArchiveWriterOptions,
  type OpenedArchive,
  type PartSummary,
} from './archive/index.js';
export {
  AuditTrail,
  AuditErrors,
  deriveAction,
  runAuditVerify,
  ACTOR_KINDS,
  type ActorKind,
  type AuditActor,
  type AuditChanges,
  type AuditNote,
  type AuditRecorder,
  type AuditRecordInput,
  type AuditTarget,
  type AuditTrailEntry,
  type ChainVerification,
} from './audit/index.js';

/** What the tenants plugin offers other plugins. */
export interface TenantsApi {
  readonly tenants: TenantService;
  readonly keys: ApiKeyService;
  readonly databases: TenantDatabaseManager;
  /** SQL on a tenant's database (`data.of(tenant)`) or the control plane: the one way plugins reach their tables. */
  readonly data: TenantData;
  readonly controlPlane: MikroORM;
  /** The tenants plugin's configuration (trial length, sweep interval, demo tenant...). */
  readonly config: TenantsConfig;
  /** Whether the control plane answers; tenant requests are refused with 503 while it does not. */
  readonly health: ControlPlaneHealth;
  /** The audit trails: recording (as auditTrailRef), reading and verifying. */
  readonly audit: AuditTrail;
}

export const tenantsApiRef = createServiceRef<TenantsApi>({ id: 'tenants.api' });

/**
 * Records actions plugins take outside a request (provisioning, billing runs, workflow runs) in a
 * tenant's audit trail or the platform's. Every successful write request of a tenant or admin route
 * is recorded already, by the tenants plugin; a handler adds detail with `request.auditNote`.
 */
export const auditTrailRef = createServiceRef<AuditRecorder>({ id: 'tenants.auditTrail' });

/**
 * Usage against limits for `GET /api/v1/tenant/quota`; the billing plugin provides it. Without it the
 * route answers with the plan's limits alone.
 */
export interface QuotaProvider {
  usageReport(tenant: Tenant): Promise<unknown>;
}
export const quotaProviderRef = createServiceRef<QuotaProvider>({ id: 'tenants.quotaProvider' });

/**
 * Whether a tenant's plan includes a feature flag (`erpnextIntegration`, `sso`...); the billing
 * plugin provides it. Plugins that sell a feature ask here, not billing, so they load without it
 * (no billing plugin: nothing is sold, every feature is on).
 */
export interface PlanFeatures {
  hasFeature(tenant: Tenant, feature: string): Promise<boolean>;
}
export const planFeaturesRef = createServiceRef<PlanFeatures>({ id: 'tenants.planFeatures' });

/**
 * How many of a resource other plugins own (`agents`, `workflows`) a tenant's plan allows; the billing
 * plugin provides it. Plugins that create a limited resource ask here, not billing, so they load
 * without it (no billing plugin: nothing is sold, nothing is limited).
 */
export interface PlanLimits {
  /** The most the tenant's plan (after its overrides) allows; null: unlimited. */
  limit(tenant: Tenant, resource: string): Promise<number | null>;
  /**
   * Throws PLAN_LIMIT_REACHED (403) when one more would pass the limit. Without `currentCount`, the
   * usage counter registered for the resource counts; give it when counting inside a transaction.
   */
  assertWithinLimit(tenant: Tenant, resource: string, currentCount?: number): Promise<void>;
}
export const planLimitsRef = createServiceRef<PlanLimits>({ id: 'tenants.planLimits' });

/**
 * A tenant's invoices as documents (the bilingual page with its ZATCA QR code); the billing plugin
 * provides it. The email plugin puts the page in the invoice-issued notice without depending on billing.
 */
export interface InvoiceDocuments {
  /** The invoice (by id or number) as one HTML page; throws the billing plugin's not-found error for another tenant's. */
  html(tenant: Tenant, invoiceRef: string): Promise<string>;
}
export const invoiceDocumentsRef = createServiceRef<InvoiceDocuments>({ id: 'tenants.invoiceDocuments' });

/** Each running instance's every-node consumer (a definition may serve several kernels in one process: tests). */
const coherence = new WeakMap<TenantsApi, CacheCoherence>();

/** Each running instance's leases and scheduler (a definition may serve several kernels in one process: tests). */
const clusters = new WeakMap<TenantsApi, { leases: Leases; scheduler: Scheduler; sweep?: ScheduledJob }>();

export default definePlugin({
  name: 'tenants',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Control plane, a database per tenant, lifecycle, tenant resolution and API keys',
  config: tenantsConfigSchema,
  provides: [tenantsApiRef, leasesRef, clusterSchedulerRef, auditTrailRef],
  // Provided by billing and the events plugin, which need this plugin: looked up when used.
  optionalDeps: { quota: quotaProviderRef, outbox: eventOutboxRef, bus: eventBusRef },
  commands: tenantCommands(),

  async init(ctx): Promise<TenantsApi> {
    const config = ctx.config;
    const contributed = { entities: asEntitySchemas(ctx.contributions.controlPlaneEntities()), migrations: ctx.contributions.controlPlaneMigrations() };
    const controlPlane = await openControlPlane(config, { ...contributed, log: ctx.log });
    const servers = configuredServers(config);
    const databases = new TenantDatabaseManager({ config, servers, entities: () => asEntitySchemas(ctx.contributions.tenantEntities()), log: ctx.log });
    const events = new EventRecorder(() => ctx.services.getOptional(eventOutboxRef));
    const keys = new ApiKeyService(controlPlane, events);
    const audit = new AuditTrail(controlPlane);
    const tenants = new TenantService({ controlPlane, databases, servers, contributions: ctx.contributions, config, log: ctx.log, apiKeys: keys, events, auditTrail: audit });
    const health = new ControlPlaneHealth(controlPlane, ctx.log);
    const authDeps = { tenants, keys, health, adminAuth: ctx.adminAuth, baseDomain: config.DOGAN_BASE_DOMAIN };
    // Routes declaring `auth: 'tenant'` are authenticated, resolved and scope-checked by these stages.
    ctx.addRouteGuard('tenant', createTenantGuard(authDeps));
    ctx.addRouteGuard('scope', scopeGuard);
    const data = new TenantData(databases, controlPlane);
    const api: TenantsApi = { tenants, keys, databases, data, controlPlane, health, config, audit };
    ctx.provide(tenantsApiRef, api);
    ctx.provide(auditTrailRef, audit);
    // Once-per-cluster work (the sweep here, billing runs, module cron jobs) claims its due times through these.
    const leases = openLeases(config, data.controlPlane, ctx.log);
    const scheduler = new Scheduler({ runs: new ScheduledRuns(data.controlPlane, leases.holder), leases, metrics: schedulerMetrics(ctx.metrics), log: ctx.log.child({ component: 'scheduler' }) });
    ctx.provide(leasesRef, leases);
    ctx.provide(clusterSchedulerRef, scheduler);
    clusters.set(api, { leases, scheduler });
    ctx.addReadinessCheck('control-plane database', () => health.probe());
    return api;
  },

  pipeline(app, _ctx, api) {
    // Declared up front so every request object has the same shape (V8 keeps one hidden class).
    app.decorateRequest('tenant', null);
    app.decorateRequest('caller', null);
    // Every plugin's successful writes on tenant and admin routes, in the audit trail.
    installAuditRecording(app, api.audit);
  },

  async routes(app, ctx, api) {
    const { tenants, keys } = api;
    await adminTenantRoutes(app, tenants);
    await apiKeyRoutes(app, {
      prefix: '/api/admin/tenants/:id',
      tenantParam: 'id',
      policy: PLATFORM_ADMIN_POLICY,
      keys,
      tenantOf: async (_request, ref) => (await tenants.get(ref)).id,
      auditAs: { prefix: 'tenants', trail: api.audit },
      tags: ['api keys (platform admin)'],
    });
    await tenantSelfRoutes(app, () => ctx.services.getOptional(quotaProviderRef));
    await apiKeyRoutes(app, {
      prefix: '/api/v1/:tenant',
      tenantParam: 'tenant',
      // A tenant's own admins manage its keys: listing them too needs the admin scope.
      policy: tenantPolicy('admin'),
      keys,
      tenantOf: async (request) => request.tenant!.id,
      tags: ['api keys (tenant admin)'],
    });
    await auditRoutes(app, api.audit);
  },

  async onReady(ctx, api) {
    // Every node applies tenant status changes and key revocations made on any node within a second.
    const bus = ctx.services.getOptional(eventBusRef);
    if (bus) coherence.set(api, await keepCachesCoherent(bus, tenantCachesConsumer(api, ctx.log)));
    api.health.start();
    // Provisionings a crash interrupted are undone before serving (and by every sweep after).
    await api.tenants.recoverProvisioning('system:start-up');
    const cluster = clusters.get(api)!;
    cluster.sweep = cluster.scheduler.scheduleOncePerCluster('tenant_sweep', { intervalMs: ctx.config.TENANT_SWEEP_INTERVAL_MS, run: () => api.tenants.sweep() });
    if (ctx.config.DOGAN_DEMO_TENANT) await ensureDemoTenant(api, ctx);
  },

  async onClose(_ctx, api) {
    await coherence.get(api)?.close();
    api.health.stop();
    const cluster = clusters.get(api);
    await cluster?.sweep?.stop();
    // Jobs of the plugins loaded after this one were stopped in their onClose; what is left ends here.
    await cluster?.scheduler.close();
    await cluster?.leases.close();
    // Entries of the last requests and jobs are written before the control plane closes.
    await api.audit.drain();
    await api.databases.close();
    await api.controlPlane.close(true);
  },
});
