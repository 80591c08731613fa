import type { FastifyInstance } from 'fastify';
import type { TenantStatus } from '../entities/tenant.js';
import type { LifecycleAction } from '../lifecycle.js';
import type { CreateTenantInput, TenantService } from '../tenant-service.js';
import { createTenantBody, listTenantsQuery, tenantJson, tenantParams, tenantSchema, updateTenantBody } from '../http/schemas.js';

const ACTOR = 'platform-admin';
const tags = ['tenants (platform admin)'];
const security = [{ bearer: [] }];

/** `/api/admin/tenants...`: the platform admin's tenant management (the original system's routes). */
export async function adminTenantRoutes(app: FastifyInstance, tenants: TenantService): Promise<void> {
  app.post(
    '/api/admin/tenants',
    { schema: { tags, security, summary: 'Create and provision a tenant', body: createTenantBody, response: { 201: tenantSchema } } },
    async (request, reply) => {
      const tenant = await tenants.create(request.body as CreateTenantInput, ACTOR);
      return reply.code(201).send(tenantJson(tenant));
    },
  );

  app.get(
    '/api/admin/tenants',
    {
      schema: {
        tags,
        security,
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
      const q = request.query as { status?: TenantStatus; plan?: string; limit: number; offset: number };
      const { items, total } = await tenants.list(q);
      return { items: items.map(tenantJson), total, limit: q.limit, offset: q.offset };
    },
  );

  app.get('/api/admin/tenants/:id', { schema: { tags, security, summary: 'One tenant', params: tenantParams, response: { 200: tenantSchema } } }, async (request) =>
    tenantJson(await tenants.get((request.params as { id: string }).id)),
  );

  app.put(
    '/api/admin/tenants/:id',
    { schema: { tags, security, summary: 'Change name, plan, locale or timezone', params: tenantParams, body: updateTenantBody, response: { 200: tenantSchema } } },
    async (request) => tenantJson(await tenants.update((request.params as { id: string }).id, request.body as never, ACTOR)),
  );

  app.delete(
    '/api/admin/tenants/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Schedule deletion (restorable during the grace period); ?purge=true deletes now',
        params: tenantParams,
        querystring: { type: 'object', additionalProperties: false, properties: { purge: { type: 'boolean', default: false } } },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      if ((request.query as { purge: boolean }).purge) {
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
    app.post(`/api/admin/tenants/:id/${path}`, { schema: { tags, security, summary, params: tenantParams, response: { 200: tenantSchema } } }, async (request) =>
      tenantJson(await tenants.transition((request.params as { id: string }).id, action, ACTOR)),
    );
  }
}
