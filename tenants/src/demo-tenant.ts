import type { PluginContext } from '@dogan/runtime';
import type { TenantsApi } from './index.js';

export const DEMO_SUBDOMAIN = 'demo';
const DEMO_KEY_NAME = 'quick start';

/**
 * The quick start's demo tenant, created on the first start. Each start replaces its "quick start"
 * API key and prints the new one, so the printed key always works (older ones are revoked).
 */
export async function ensureDemoTenant(api: TenantsApi, ctx: PluginContext): Promise<void> {
  const base = `http://localhost:${ctx.config.PORT}`;
  let tenant = await api.tenants.find(DEMO_SUBDOMAIN);
  tenant ??= await api.tenants.create({ name: 'Demo Company', subdomain: DEMO_SUBDOMAIN, locale: 'en' }, 'system:quick-start');
  for (const old of await api.keys.list(tenant.id)) if (old.name === DEMO_KEY_NAME && !old.revokedAt) await api.keys.revoke(tenant.id, old.id);
  const { key } = await api.keys.create(tenant.id, { name: DEMO_KEY_NAME, scopes: ['read', 'write', 'admin'] });
  ctx.announce(`Demo tenant:  ${tenant.name} (subdomain "${tenant.subdomain}", id ${tenant.id}, ${tenant.status})`);
  ctx.announce(`  export DOGAN_DEMO_KEY=${key}`);
  ctx.announce(`  curl -H "Authorization: Bearer $DOGAN_DEMO_KEY" ${base}/api/v1/${tenant.subdomain}/info`);
}
