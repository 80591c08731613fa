import type { FastifyInstance } from 'fastify';
import { PLATFORM_ADMIN_POLICY, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { LifecycleAction } from '../lifecycle.js';
import type { TenantService } from '../tenant-service.js';
import { createTenantBody, listTenantsQuery, tenantJson, tenantParams, tenantSchema, updateTenantBody } from '../http/schemas.js';

const ACTOR = 'platform-admin';
const tags = ['tenants (platform admin)'];
const config = { policy: PLATFORM_ADMIN_POLICY };

/** `/api/admin/tenants...`: the platform admin's tenant management (the original system's routes). */
export async function adminTenantRoutes(instance: FastifyInstance, tenants: TenantService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  app.post(
    '/api/admin/tenants',
    { config, schema: { tags, summary: 'Create and provision a tenant', body: createTenantBody, response: { 201: tenantSchema } } },
    async (request, reply) => {
      const tenant = await tenants.create(request.body, ACTOR);
      return reply.code(201).send(tenantJson(tenant));
    },
  );

  app.get(
    '/api/admin/tenants',
    {
      config,
      schema: {
        tags,
        summary: 'List tenants, filtered by status and plan',
        querystring: listTenantsQuery,
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: tenantSchema }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await tenants.list(q);
      return { items: items.map(tenantJson), total, limit: q.limit, offset: q.offset };
    },
  );

  app.get('/api/admin/tenants/:id', { config, schema: { tags, summary: 'One tenant', params: tenantParams, response: { 200: tenantSchema } } }, async (request) =>
    tenantJson(await tenants.get(request.params.id)),
  );

  app.put(
    '/api/admin/tenants/:id',
    { config, schema: { tags, summary: 'Change name, plan, locale or timezone', params: tenantParams, body: updateTenantBody, response: { 200: tenantSchema } } },
    async (request) => tenantJson(await tenants.update(request.params.id, request.body, ACTOR)),
  );

  app.delete(
    '/api/admin/tenants/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Schedule deletion (restorable during the grace period); ?purge=true deletes now',
        params: tenantParams,
        querystring: { type: 'object', additionalProperties: false, properties: { purge: { type: 'boolean', default: false } } },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.query.purge) {
        await tenants.purge(id, ACTOR);
        return reply.code(204).send();
      }
      // A tenant stuck in provisioning has nothing to restore: it is rolled back at once.
      const scheduled = await tenants.scheduleDeletion(id, ACTOR);
      return scheduled ? tenantJson(scheduled) : reply.code(204).send();
    },
  );

  const actions: Array<[string, LifecycleAction, string]> = [
    ['suspend', 'suspend', 'Suspend: the tenant API answers 403 TENANT_SUSPENDED'],
    ['activate', 'activate', 'Activate a trial, suspended, expired or cancelled tenant'],
    ['cancel', 'cancel', 'Cancel the tenant'],
    ['restore', 'restore', 'Restore a tenant scheduled for deletion'],
  ];
  for (const [path, action, summary] of actions) {
    app.post(`/api/admin/tenants/:id/${path}`, { config, schema: { tags, summary, params: tenantParams, response: { 200: tenantSchema } } }, async (request) =>
      tenantJson(await tenants.transition(request.params.id, action, ACTOR)),
    );
  }
}
