import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import { DEFAULT_CONNECTION, type ConnectionService } from '../connections/connection-service.js';
import { connectionName, tenantParam, tenantParams } from './schemas.js';

const tags = ['erpnext'];
const read = { config: { policy: tenantPolicy('read') } };
/** Where the platform reaches a tenant's ERP, with whose keys, is for the tenant's admins. */
const admin = { config: { policy: tenantPolicy('admin') } };
const named = { type: 'object', required: ['tenant', 'name'], properties: { tenant: tenantParam, name: connectionName } } as const;
const body = {
  type: 'object',
  additionalProperties: false,
  required: ['baseUrl', 'apiKey', 'apiSecret'],
  properties: {
    baseUrl: { type: 'string', minLength: 1, maxLength: 2048, description: 'https://erp.example.com: scheme and host only' },
    apiKey: { type: 'string', minLength: 1, maxLength: 200, description: "The API key of the ERPNext user Dogan acts as (User > Settings > API Access)" },
    apiSecret: { type: 'string', minLength: 1, maxLength: 200, description: 'Its API secret; stored encrypted, never shown again' },
    siteName: { type: ['string', 'null'], maxLength: 253, pattern: '^[A-Za-z0-9.-]+$', description: 'Sent as X-Frappe-Site-Name when the bench hosts several sites' },
    isDefault: { type: 'boolean' },
    verify: { type: 'boolean', default: true, description: 'Ask the site who the keys belong to before saving (default); false saves without asking' },
  },
} as const;

/**
 * A tenant's ERPNext connections: `/erpnext/connection` is the default one (the seed's route), and
 * `/erpnext/connections/{name}` any named one. Secrets go in and never come out.
 */
export async function connectionRoutes(instance: FastifyInstance, connections: ConnectionService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;

  for (const [path, params] of [
    ['/api/v1/:tenant/erpnext/connection', tenantParams],
    ['/api/v1/:tenant/erpnext/connections/:name', named],
  ] as const) {
    const nameOf = (request: FastifyRequest) => (request.params as { name?: string }).name;
    app.put(
      path,
      { ...admin, schema: { tags, summary: 'Connect an ERPNext site (checked with frappe.auth.get_logged_user before saving); the secret is stored encrypted and never returned', params, body } },
      async (request) => {
        const { verify, ...input } = request.body;
        const name = nameOf(request) ?? (await firstConnectionName(connections, tenantOf(request)));
        return connections.save(tenantOf(request), { ...input, name }, { verify });
      },
    );
    app.get(path, { ...read, schema: { tags, summary: 'A connection: URL, site, key hint, default flag and health with its last error', params } }, async (request) =>
      connections.get(tenantOf(request), nameOf(request)),
    );
    app.delete(path, { ...admin, schema: { tags, summary: 'Remove a connection with its hooks and syncs', params } }, async (request, reply) => {
      const name = nameOf(request) ?? (await connections.record(tenantOf(request))).name;
      await connections.remove(tenantOf(request), name);
      return reply.code(204).send();
    });
    app.post(`${path}/test`, { ...admin, schema: { tags, summary: 'Ask the site who the stored keys belong to now, and record the answer as the health', params } }, async (request) =>
      connections.test(tenantOf(request), nameOf(request)),
    );
  }

  app.get('/api/v1/:tenant/erpnext/connections', { ...read, schema: { tags, summary: "The tenant's ERPNext connections (never their keys)", params: tenantParams } }, async (request) => ({
    items: await connections.list(tenantOf(request)),
  }));
}

/** `PUT /erpnext/connection` changes the default connection, or creates the first one as `default`. */
async function firstConnectionName(connections: ConnectionService, tenant: Tenant): Promise<string> {
  const all = await connections.list(tenant);
  return all.find((c) => c.isDefault)?.name ?? DEFAULT_CONNECTION;
}
