import type { PluginContext } from '@dogan/runtime';
import type { TenantsApi } from './index.js';

export const DEMO_SUBDOMAIN = 'demo';

/**
 * The quick start's demo tenant: created on the first start with an API key that is shown once;
 * later starts only say where it is.
 */
export async function ensureDemoTenant(api: TenantsApi, ctx: PluginContext): Promise<void> {
  const base = `http://localhost:${ctx.config.PORT}`;
  let tenant = await api.tenants.find(DEMO_SUBDOMAIN);
  if (tenant) {
    ctx.announce(`Demo tenant:  ${tenant.name} (subdomain "${tenant.subdomain}", id ${tenant.id}, ${tenant.status})`);
    ctx.announce(`  Its API key was printed at the first start; make another: npm run dogan -- tenant api-key ${tenant.subdomain}`);
    return;
  }
  tenant = await api.tenants.create({ name: 'Demo Company', subdomain: DEMO_SUBDOMAIN, locale: 'en' }, 'system:quick-start');
  const { key } = await api.keys.create(tenant.id, { name: 'quick start', scopes: ['read', 'write', 'admin'] });
  ctx.announce(`Demo tenant:  ${tenant.name} (subdomain "${tenant.subdomain}", id ${tenant.id}, ${tenant.status} until ${tenant.trialEndsAt?.toISOString().slice(0, 10)})`);
  ctx.announce(`  API key (shown once): ${key}`);
  ctx.announce(`  Try it:  curl -H "Authorization: Bearer ${key}" ${base}/api/v1/${tenant.subdomain}/info`);
}
