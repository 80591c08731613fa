import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { HookRecord } from '../store/hook-store.js';
import { hookSettings, hookUrl } from '../webhooks/hook-settings.js';
import type { HookService } from '../webhooks/hook-service.js';
import { connectionName, docEvents, doctype, tenantParam, tenantParams, UUID } from './schemas.js';

const tags = ['erpnext'];
const read = { config: { policy: tenantPolicy('read') } };
const admin = { config: { policy: tenantPolicy('admin') } };
const params = { type: 'object', required: ['tenant', 'id'], properties: { tenant: tenantParam, id: { type: 'string', pattern: UUID } } } as const;

function hookJson(hook: HookRecord, url: string) {
  return {
    id: hook.id,
    connection: hook.connection,
    doctype: hook.doctype,
    events: hook.events,
    enabled: hook.enabled,
    url,
    receivedCount: hook.receivedCount,
    lastReceivedAt: hook.lastReceivedAt === null ? null : new Date(hook.lastReceivedAt).toISOString(),
    createdAt: new Date(hook.createdAt).toISOString(),
    updatedAt: new Date(hook.updatedAt).toISOString(),
  };
}

/** Incoming-webhook hooks: each one is an address and a secret to enter in ERPNext's Webhook doctype. */
export async function hookRoutes(instance: FastifyInstance, hooks: HookService, publicBaseUrl: string | undefined): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  // Where ERPNext must send: the configured public address, or the one this request came in on.
  const urlOf = (request: FastifyRequest, hook: HookRecord) => hookUrl(publicBaseUrl ?? `${request.protocol}://${request.host}`, tenantOf(request).subdomain, hook.id);

  app.post(
    '/api/v1/:tenant/erpnext/hooks',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Create a hook for ERPNext webhooks of one doctype; the answer holds its secret (shown this once) and the exact Webhook settings for ERPNext',
        params: tenantParams,
        body: { type: 'object', additionalProperties: false, required: ['doctype', 'events'], properties: { doctype, events: docEvents, connection: connectionName, enabled: { type: 'boolean' } } },
      },
    },
    async (request, reply) => {
      const { hook, secret } = await hooks.create(tenantOf(request), request.body);
      const url = urlOf(request, hook);
      return reply.code(201).send({ ...hookJson(hook, url), secret, erpnextWebhooks: hookSettings(hook, url, secret) });
    },
  );

  app.get('/api/v1/:tenant/erpnext/hooks', { ...read, schema: { tags, summary: "The tenant's ERPNext hooks (never their secrets)", params: tenantParams } }, async (request) => ({
    items: (await hooks.list(tenantOf(request))).map((h) => hookJson(h, urlOf(request, h))),
  }));

  app.get('/api/v1/:tenant/erpnext/hooks/:id', { ...read, schema: { tags, summary: 'One hook', params } }, async (request) => {
    const hook = await hooks.get(tenantOf(request), request.params.id);
    return hookJson(hook, urlOf(request, hook));
  });

  app.get(
    '/api/v1/:tenant/erpnext/hooks/:id/erpnext-settings',
    { ...read, schema: { tags, summary: "The exact settings to enter in ERPNext's Webhook doctype for this hook, one Webhook per event (the secret is the one shown at creation)", params } },
    async (request) => {
      const hook = await hooks.get(tenantOf(request), request.params.id);
      return { hook: hookJson(hook, urlOf(request, hook)), erpnextWebhooks: hookSettings(hook, urlOf(request, hook), undefined) };
    },
  );

  app.put(
    '/api/v1/:tenant/erpnext/hooks/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Change the events a hook takes, or disable it (its webhooks are then refused with 404)',
        params,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { events: docEvents, enabled: { type: 'boolean' } } },
      },
    },
    async (request) => {
      const hook = await hooks.update(tenantOf(request), request.params.id, request.body);
      return hookJson(hook, urlOf(request, hook));
    },
  );

  app.post('/api/v1/:tenant/erpnext/hooks/:id/rotate-secret', { ...admin, schema: { tags, summary: 'A new secret for the hook, shown once; the old one stops verifying at once', params } }, async (request) => {
    const { hook, secret } = await hooks.rotateSecret(tenantOf(request), request.params.id);
    const url = urlOf(request, hook);
    return { ...hookJson(hook, url), secret, erpnextWebhooks: hookSettings(hook, url, secret) };
  });

  app.delete('/api/v1/:tenant/erpnext/hooks/:id', { ...admin, schema: { tags, summary: 'Delete a hook: its webhooks are refused from now on', params } }, async (request, reply) => {
    await hooks.delete(tenantOf(request), request.params.id);
    return reply.code(204).send();
  });
}
