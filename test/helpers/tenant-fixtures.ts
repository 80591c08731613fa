import type { FastifyInstance } from 'fastify';
import { TEST_ADMIN_TOKEN } from './kernel.js';

export const adminHeaders = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** Creates a tenant through the admin API and an API key for it; fails the test on any refusal. */
export async function createTenantWithKey(
  app: FastifyInstance,
  body: { name: string; subdomain: string; locale?: 'ar' | 'en'; timezone?: string },
  scopes: string[] = ['read', 'write', 'admin'],
): Promise<{ id: string; subdomain: string; key: string; headers: Record<string, string> }> {
  const created = await app.inject({ method: 'POST', url: '/api/admin/tenants', headers: adminHeaders, payload: body });
  if (created.statusCode !== 201) throw new Error(`tenant not created: ${created.statusCode} ${created.body}`);
  const tenant = created.json() as { id: string; subdomain: string };
  const key = await app.inject({ method: 'POST', url: `/api/admin/tenants/${tenant.id}/api-keys`, headers: adminHeaders, payload: { name: 'test', scopes } });
  if (key.statusCode !== 201) throw new Error(`key not created: ${key.statusCode} ${key.body}`);
  const secret = (key.json() as { key: string }).key;
  return { id: tenant.id, subdomain: tenant.subdomain, key: secret, headers: { authorization: `Bearer ${secret}` } };
}
