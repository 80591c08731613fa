import type { PluginContext } from '@dogan/runtime';
import type { TenantsApi } from '@dogan/tenants';
import type { MarketplaceApi } from './index.js';

const DEMO_MODULE = 'dogan.notes';

/** The quick start's demo tenant gets the notes module, and the banner says how to call it. */
export async function installDemoModules(ctx: PluginContext, api: MarketplaceApi, tenants: TenantsApi): Promise<void> {
  const tenant = await tenants.tenants.find('demo');
  if (!tenant) return;
  const record = await api.installs.record(tenant.id, DEMO_MODULE);
  if (!record || record.status === 'uninstalled') {
    try {
      const manifest = await api.catalog.manifest(DEMO_MODULE, (await api.client.resolve(DEMO_MODULE)).version);
      const grants = manifest.permissions.filter((p) => p.required).map((p) => p.name);
      await api.installs.install(tenant, DEMO_MODULE, { grants });
    } catch (err) {
      // The platform still starts: the demo module is a convenience, not a dependency.
      ctx.log.warn({ err, moduleId: DEMO_MODULE }, 'could not install the demo module');
      return;
    }
  }
  const url = `http://localhost:${ctx.config.PORT}/api/v1/${tenant.subdomain}/apps/${DEMO_MODULE}/notes`;
  ctx.announce(`Module ${DEMO_MODULE} is installed in the demo tenant:`);
  ctx.announce(`  curl -H "Authorization: Bearer $DOGAN_DEMO_KEY" -H "content-type: application/json" -d '{"text":"مرحبا"}' ${url}`);
  ctx.announce(`  curl -H "Authorization: Bearer $DOGAN_DEMO_KEY" ${url}`);
  if (api.embeddedRegistry) {
    // Where a module developer publishes, and how they get the token (README: "From nothing to a published module").
    ctx.announce(`Module registry: http://localhost:${ctx.config.PORT}/registry (DOGAN_REGISTRY_URL for dogan-module)`);
    ctx.announce('  a publisher token: npx dogan registry publisher add <publisher name>');
    const adminToken = api.embeddedRegistry.admin.generatedToken;
    if (adminToken) ctx.announce(`  its admin token (for /registry/v1/admin; shown once, stored hashed): ${adminToken}`);
  }
}
