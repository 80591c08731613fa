import { join } from 'node:path';
import { createSecretBox, createServiceRef, definePlugin, eventBusRef } from '@dogan/runtime';
import type { RegistryApp, RegistryClient } from '@dogan/marketplace-registry';
import { registrySecuritySchemes } from '@dogan/marketplace-registry';
import { moduleDataRef, modulesRuntimeRef } from '@dogan/plugin-modules';
import { clusterSchedulerRef, eventOutboxRef, EventRecorder, keepCachesCoherent, tenantsApiRef, type CacheCoherence, type ScheduledJob, type TenantsApi } from '@dogan/tenants';
import { marketplaceConfigSchema } from './config.js';
import { CatalogService } from './catalog/catalog-service.js';
import { marketplaceCommands } from './cli.js';
import { registryCommands } from './registry-commands.js';
import { ModuleInstallSchema, ModulePurchaseSchema } from './entities.js';
import { marketplaceControlPlaneMigrations } from './migrations/index.js';
import { InstallService } from './install/install-service.js';
import { ModuleLoader } from './install/module-loader.js';
import { OperationClaims } from './install/operation-claims.js';
import { SettingsCodec } from './install/settings-codec.js';
import { SnapshotStore, snapshotMigrations } from './install/snapshot-store.js';
import { billingServiceRef } from '@dogan/plugin-billing';
import { moduleBillingFrom } from './billing-adapter.js';
import { PurchaseService } from './purchase-service.js';
import { EMBEDDED_PREFIX, openRegistry } from './registry/embedded-registry.js';
import { publishExampleModules } from './registry/example-modules.js';
import { tenantModuleRoutes } from './routes/tenant-module-routes.js';
import { installDemoModules } from './demo-modules.js';
import { installsConsumer } from './install/installs-consumer.js';

export { MarketplaceErrors } from './errors.js';
export { MODULE_EVENT_TYPES, type ModuleEventPayload, type ModuleEventType } from './events.js';
export type { ModuleBilling } from './purchase-service.js';

export interface MarketplaceApi {
  readonly installs: InstallService;
  readonly purchases: PurchaseService;
  readonly catalog: CatalogService;
  readonly client: RegistryClient;
  /** The registry served under /registry when DOGAN_REGISTRY_URL is unset. */
  readonly embeddedRegistry: RegistryApp | undefined;
}

export const marketplaceApiRef = createServiceRef<MarketplaceApi>({ id: 'marketplace.api' });

/** The plugin's instance: its service, what it uses, and what it must close. */
interface MarketplacePlugin {
  readonly api: MarketplaceApi;
  readonly tenants: TenantsApi;
  readonly registry: Awaited<ReturnType<typeof openRegistry>>;
  /** The retention sweep, once per cluster. */
  sweeper: ScheduledJob | undefined;
  /** The every-node consumer applying other nodes' install changes here. */
  coherence: CacheCoherence | undefined;
}

/** Days an uninstalled module's data is kept, so a reinstall finds it. */
export const RETENTION_DAYS = 30;

export default definePlugin({
  name: 'marketplace',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Tenants browse, buy, install, configure, upgrade, roll back and uninstall marketplace modules',
  config: marketplaceConfigSchema,
  deps: { tenants: tenantsApiRef, runtime: modulesRuntimeRef, moduleData: moduleDataRef, scheduler: clusterSchedulerRef },
  // Paid modules are charged through billing when it is loaded; without it they are refused clearly.
  // Install changes are recorded as events and applied on every node when the events plugin is loaded.
  optionalDeps: { billing: billingServiceRef, outbox: eventOutboxRef, bus: eventBusRef },
  provides: [marketplaceApiRef],
  controlPlaneEntities: [ModuleInstallSchema, ModulePurchaseSchema],
  controlPlaneMigrations: marketplaceControlPlaneMigrations,
  // The embedded registry's routes (under /registry) name these in the platform's OpenAPI document.
  securitySchemes: registrySecuritySchemes,
  tenantMigrations: snapshotMigrations,
  commands: [
    ...marketplaceCommands<MarketplacePlugin>((m) => m.api, (m) => m.tenants),
    ...registryCommands<MarketplacePlugin>((m) => m.api.embeddedRegistry),
  ],

  async init(ctx): Promise<MarketplacePlugin> {
    const { tenants, runtime, moduleData, billing } = ctx.deps;
    const registry = await openRegistry(ctx.config);
    const loader = new ModuleLoader(registry.client, runtime);
    const codec = new SettingsCodec(createSecretBox(ctx.config));
    const events = new EventRecorder(() => ctx.services.getOptional(eventOutboxRef));
    const purchases = new PurchaseService(tenants.controlPlane, billing ? moduleBillingFrom(billing) : undefined);
    // A use of a per-use module is a route call it answered; one it failed (5xx) is not billed.
    if (billing) runtime.observeRoutes(async ({ tenant, install, status }) => (status < 500 ? purchases.recordUse(tenant.id, install.module.manifest) : undefined));
    const installs = new InstallService({
      controlPlane: tenants.controlPlane,
      tenants,
      runtime,
      client: registry.client,
      loader,
      data: moduleData,
      snapshots: new SnapshotStore(tenants.data),
      codec,
      // An operation's lease outlasts its hooks (install or upgrade, then uninstall on the way back) and downloads.
      claims: new OperationClaims(tenants.controlPlane, 2 * runtime.pool.options.limits.wallMs.hook + 60_000, (em, list) => events.record(tenants.data.controlPlaneWithin(em), list)),
      log: ctx.log,
      retentionDays: RETENTION_DAYS,
      includedInPlan: (tenant, moduleId) => purchases.includedInPlan(tenant, moduleId),
      endCharges: (tenant, manifest) => purchases.endSubscription(tenant, manifest),
    });
    const api: MarketplaceApi = {
      installs,
      purchases,
      catalog: new CatalogService(registry.client, tenants.controlPlane),
      client: registry.client,
      embeddedRegistry: registry.embedded,
    };
    ctx.provide(marketplaceApiRef, api);
    return { api, tenants, registry, sweeper: undefined, coherence: undefined };
  },

  async routes(app, ctx, { api, registry }) {
    if (registry.embedded) await app.register(registry.embedded.plugin, { prefix: EMBEDDED_PREFIX });
    registry.setApp(app);
    await tenantModuleRoutes(app, {
      catalog: api.catalog,
      installs: api.installs,
      purchases: api.purchases,
      loader: new ModuleLoader(api.client, ctx.deps.runtime),
      codec: new SettingsCodec(createSecretBox(ctx.config)),
    });
  },

  async onReady(ctx, plugin) {
    const { api, tenants } = plugin;
    if (api.embeddedRegistry) await publishExampleModules(api.embeddedRegistry, join(ctx.config.DOGAN_DATA_DIR, 'registry'), ctx.log);
    // Subscribed before the table is loaded, so that no change made meanwhile on another node is missed.
    const bus = ctx.services.getOptional(eventBusRef);
    if (bus) plugin.coherence = await keepCachesCoherent(bus, installsConsumer(api.installs, ctx.log));
    await api.installs.restoreAll();
    if (tenants.config.DOGAN_DEMO_TENANT) await installDemoModules(ctx, api, tenants);
    plugin.sweeper = ctx.deps.scheduler.scheduleOncePerCluster('module_retention_sweep', {
      intervalMs: tenants.config.TENANT_SWEEP_INTERVAL_MS,
      run: () => api.installs.purgeExpired(),
    });
  },

  async onClose(_ctx, { registry, sweeper, coherence }) {
    await sweeper?.stop();
    await coherence?.close();
    await registry.embedded?.close();
  },
});
