import type { MikroORM } from '@mikro-orm/core';
import { createServiceRef, definePlugin, type PluginContext } from '@dogan/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyService } from './api-keys.js';
import { tenantCommands } from './cli/tenant-commands.js';
import { openControlPlane } from './database/control-plane.js';
import { ControlPlaneHealth } from './database/control-plane-health.js';
import { configuredServers } from './database/database-servers.js';
import { TenantDatabaseManager } from './database/tenant-database-manager.js';
import { createTenantPreHandler, requireScope } from './http/tenant-auth.js';
import { adminTenantRoutes } from './routes/admin-tenants.js';
import { apiKeyRoutes } from './routes/api-key-routes.js';
import { tenantSelfRoutes } from './routes/tenant-self.js';
import { TenantService } from './tenant-service.js';
import { ensureDemoTenant } from './demo-tenant.js';

export { TenantErrors } from './errors.js';
import type { Tenant, TenantStatus } from './entities/tenant.js';
export type { Tenant, TenantStatus };
export { TenantService, type CreateTenantInput } from './tenant-service.js';
export { TenantDatabaseManager } from './database/tenant-database-manager.js';
export { ApiKeyService } from './api-keys.js';
export { ControlPlaneHealth } from './database/control-plane-health.js';
export { tenantReferences } from './http/resolve-tenant.js';
export * from './idempotency/index.js';
export type { Caller } from './http/tenant-auth.js';

/** What the tenants plugin offers other plugins. */
export interface TenantsApi {
  readonly tenants: TenantService;
  readonly keys: ApiKeyService;
  readonly databases: TenantDatabaseManager;
  readonly controlPlane: MikroORM;
  /** Whether the control plane answers; tenant requests are refused with 503 while it does not. */
  readonly health: ControlPlaneHealth;
  /** Add to a scope's preHandler: authenticates, resolves the tenant and applies the status gate. */
  readonly tenantPreHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** The same, letting tenants in the given statuses through as well (billing, so they can pay). */
  tenantPreHandlerAllowing(statuses: readonly TenantStatus[]): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  readonly requireScope: typeof requireScope;
}

export const tenantsApiRef = createServiceRef<TenantsApi>({ id: 'tenants.api' });

/**
 * Usage against limits for `GET /api/v1/tenant/quota`; the billing plugin provides it. Without it the
 * route answers with the plan's limits alone.
 */
export interface QuotaProvider {
  usageReport(tenant: Tenant): Promise<unknown>;
}
export const quotaProviderRef = createServiceRef<QuotaProvider>({ id: 'tenants.quotaProvider' });

function apiOf(ctx: PluginContext): TenantsApi {
  return ctx.services.get(tenantsApiRef);
}

export default definePlugin({
  name: 'tenants',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Control plane, a database per tenant, lifecycle, tenant resolution and API keys',
  provides: [tenantsApiRef],
  consumes: [tenantsApiRef],
  optionallyConsumes: [quotaProviderRef],
  commands: tenantCommands(apiOf),

  async init(ctx) {
    const controlPlaneEntities = ctx.allPlugins.flatMap((p) => [...(p.controlPlaneEntities ?? [])]);
    const controlPlane = await openControlPlane(ctx.config, controlPlaneEntities);
    const servers = configuredServers(ctx.config);
    const databases = new TenantDatabaseManager({
      config: ctx.config,
      servers,
      entities: () => ctx.peers().flatMap((p) => [...(p.definition.tenantEntities ?? [])]),
      log: ctx.log,
    });
    const keys = new ApiKeyService(controlPlane);
    const tenants = new TenantService({ controlPlane, databases, servers, peers: ctx.peers, config: ctx.config, log: ctx.log, apiKeys: keys });
    const health = new ControlPlaneHealth(controlPlane, ctx.log);
    const authDeps = { tenants, keys, health, adminAuth: ctx.adminAuth, baseDomain: ctx.config.DOGAN_BASE_DOMAIN };
    const tenantPreHandler = createTenantPreHandler(authDeps);
    const tenantPreHandlerAllowing = (statuses: readonly TenantStatus[]) => createTenantPreHandler(authDeps, statuses);
    ctx.provide(tenantsApiRef, { tenants, keys, databases, controlPlane, health, tenantPreHandler, tenantPreHandlerAllowing, requireScope });
    ctx.addReadinessCheck('control-plane database', () => health.probe());
  },

  pipeline(app) {
    // Declared up front so every request object has the same shape (V8 keeps one hidden class).
    app.decorateRequest('tenant', null);
    app.decorateRequest('caller', null);
  },

  async routes(app, ctx) {
    const { tenants, keys, tenantPreHandler } = apiOf(ctx);
    await app.register(async (admin) => {
      admin.addHook('preHandler', ctx.adminAuth.preHandler);
      await adminTenantRoutes(admin, tenants);
      await apiKeyRoutes(admin, {
        prefix: '/api/admin/tenants/:id',
        tenantParam: 'id',
        tenants,
        keys,
        tenantOf: async (request) => (await tenants.get((request.params as { id: string }).id)).id,
        actorOf: () => 'platform-admin',
        tags: ['api keys (platform admin)'],
      });
    });
    await app.register(async (scope) => {
      scope.addHook('preHandler', tenantPreHandler);
      await tenantSelfRoutes(scope, () => ctx.services.getOptional(quotaProviderRef));
      await scope.register(async (own) => {
        own.addHook('preHandler', requireScope('admin'));
        await apiKeyRoutes(own, {
          prefix: '/api/v1/:tenant',
          tenantParam: 'tenant',
          tenants,
          keys,
          tenantOf: async (request) => request.tenant!.id,
          actorOf: (request) => (request.caller?.kind === 'api-key' ? `api-key:${request.caller.prefix}` : 'platform-admin'),
          tags: ['api keys (tenant admin)'],
        });
      });
    });
  },

  async onReady(ctx) {
    apiOf(ctx).health.start();
    // Provisionings a crash interrupted are undone before serving (and by every sweep after).
    await apiOf(ctx).tenants.recoverProvisioning('system:start-up');
    apiOf(ctx).tenants.startSweeper(ctx.config.TENANT_SWEEP_INTERVAL_MS);
    if (ctx.config.DOGAN_DEMO_TENANT) await ensureDemoTenant(apiOf(ctx), ctx);
  },

  async onClose(ctx) {
    const current = ctx.services.getOptional(tenantsApiRef);
    if (!current) return;
    current.health.stop();
    current.tenants.stopSweeper();
    await current.databases.close();
    await current.controlPlane.close(true);
  },
});
