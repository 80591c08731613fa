import { join } from 'node:path';
import { createSecretBox, createServiceRef, definePlugin, type PluginContext } from '@dogan/runtime';
import type { RegistryApp, RegistryClient } from '@dogan/marketplace-registry';
import { registrySecuritySchemes } from '@dogan/marketplace-registry';
import { modulesRuntimeRef } from '@dogan/plugin-modules';
import { tenantsApiRef } from '@dogan/tenants';
import { CatalogService } from './catalog/catalog-service.js';
import { marketplaceCommands } from './cli.js';
import { registryCommands } from './registry-commands.js';
import { ModuleInstallSchema, ModulePurchaseSchema } from './entities.js';
import { InstallService } from './install/install-service.js';
import { ModuleData } from './install/module-data.js';
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

export { MarketplaceErrors } from './errors.js';
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

/** Days an uninstalled module's data is kept, so a reinstall finds it. */
export const RETENTION_DAYS = 30;

export default definePlugin({
  name: 'marketplace',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Tenants browse, buy, install, configure, upgrade, roll back and uninstall marketplace modules',
  dependencies: { tenants: '^0.1.0', modules: '^0.1.0' },
  consumes: [tenantsApiRef, modulesRuntimeRef, marketplaceApiRef],
  // Paid modules are charged through billing when it is loaded; without it they are refused clearly.
  optionallyConsumes: [billingServiceRef],
  provides: [marketplaceApiRef],
  controlPlaneEntities: [ModuleInstallSchema, ModulePurchaseSchema],
  // The embedded registry's routes (under /registry) name these in the platform's OpenAPI document.
  securitySchemes: registrySecuritySchemes,
  tenantMigrations: snapshotMigrations,
  commands: [
    ...marketplaceCommands((ctx) => ctx.services.get(marketplaceApiRef), (ctx) => ctx.services.get(tenantsApiRef)),
    ...registryCommands((ctx) => ctx.services.get(marketplaceApiRef).embeddedRegistry),
  ],

  async init(ctx) {
    const tenants = ctx.services.get(tenantsApiRef);
    const runtime = ctx.services.get(modulesRuntimeRef);
    const registry = await openRegistry(ctx.config);
    embeddedApps.set(ctx.services, registry);
    const loader = new ModuleLoader(registry.client, runtime);
    const codec = new SettingsCodec(createSecretBox(ctx.config));
    const billing = ctx.services.getOptional(billingServiceRef);
    const purchases = new PurchaseService(tenants.controlPlane, billing ? moduleBillingFrom(billing) : undefined);
    // A use of a per-use module is a route call it answered; one it failed (5xx) is not billed.
    if (billing) runtime.observeRoutes(async ({ tenant, install, status }) => (status < 500 ? purchases.recordUse(tenant.id, install.module.manifest) : undefined));
    const installs = new InstallService({
      controlPlane: tenants.controlPlane,
      tenants,
      runtime,
      client: registry.client,
      loader,
      data: new ModuleData(tenants),
      snapshots: new SnapshotStore(tenants),
      codec,
      // An operation's lease outlasts its hooks (install or upgrade, then uninstall on the way back) and downloads.
      claims: new OperationClaims(tenants.controlPlane, 2 * runtime.pool.options.limits.wallMs.hook + 60_000),
      log: ctx.log,
      retentionDays: RETENTION_DAYS,
      includedInPlan: (tenant, moduleId) => purchases.includedInPlan(tenant, moduleId),
      endCharges: (tenant, manifest) => purchases.endSubscription(tenant, manifest),
    });
    ctx.provide(marketplaceApiRef, {
      installs,
      purchases,
      catalog: new CatalogService(registry.client, tenants.controlPlane),
      client: registry.client,
      embeddedRegistry: registry.embedded,
    });
  },

  async routes(app, ctx) {
    const registry = embeddedApps.get(ctx.services)!;
    if (registry.embedded) await app.register(registry.embedded.plugin, { prefix: EMBEDDED_PREFIX });
    registry.setApp(app);
    const api = ctx.services.get(marketplaceApiRef);
    const tenants = ctx.services.get(tenantsApiRef);
    await app.register(async (scope) => {
      scope.addHook('preHandler', tenants.tenantPreHandler);
      await tenantModuleRoutes(scope, {
        catalog: api.catalog,
        installs: api.installs,
        purchases: api.purchases,
        loader: new ModuleLoader(api.client, ctx.services.get(modulesRuntimeRef)),
        codec: new SettingsCodec(createSecretBox(ctx.config)),
        requireAdmin: tenants.requireScope('admin'),
      });
    });
  },

  async onReady(ctx) {
    const api = ctx.services.get(marketplaceApiRef);
    if (api.embeddedRegistry) await publishExampleModules(api.embeddedRegistry, join(ctx.config.DOGAN_DATA_DIR, 'registry'), ctx.log);
    await api.installs.restoreAll();
    if (ctx.config.DOGAN_DEMO_TENANT) await installDemoModules(ctx, api, ctx.services.get(tenantsApiRef));
    const sweeper = setInterval(() => {
      api.installs.purgeExpired().catch((err: unknown) => ctx.log.error({ err }, 'module retention sweep failed'));
    }, ctx.config.TENANT_SWEEP_INTERVAL_MS);
    sweeper.unref();
    sweepers.set(ctx.services, sweeper);
  },

  async onClose(ctx) {
    clearInterval(sweepers.get(ctx.services));
    await embeddedApps.get(ctx.services)?.embedded?.close();
  },
});

// Per-kernel state, keyed by the plugin's service lookup (one per kernel, shared by init and the
// later hooks), so several kernels in one process (tests) never share it.
const embeddedApps = new WeakMap<PluginContext['services'], Awaited<ReturnType<typeof openRegistry>>>();
const sweepers = new WeakMap<PluginContext['services'], NodeJS.Timeout>();
