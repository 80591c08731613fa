import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonSchemaTypeProvider, PlatformAdminRoutePolicy, TenantRoutePolicy } from '@dogan/runtime';
import { publicKey, type ApiKeyService } from '../api-keys.js';
import { apiKeySchema, createApiKeyBody, keyParams, tenantRefParam } from '../http/schemas.js';
import type { TenantService } from '../tenant-service.js';

/**
 * API key management, mounted twice: under `/api/admin/tenants/:id` for the platform admin, and under
 * `/api/v1/:tenant` for the tenant's own admins (keys with the `admin` scope). `tenantOf` says how
 * each mount finds its tenant; `actorOf` who acted, for the audit.
 */
export async function apiKeyRoutes(
  instance: FastifyInstance,
  options: {
    prefix: string;
    tenantParam: string;
    /** Who may manage the keys at this mount: the platform admin, or the tenant's keys with the admin scope. */
    policy: PlatformAdminRoutePolicy | TenantRoutePolicy;
    tenants: TenantService;
    keys: ApiKeyService;
    /** The tenant's id, from the request or the tenant the path names (`ref`, the `tenantParam` parameter). */
    tenantOf: (request: FastifyRequest, ref: string) => Promise<string>;
    actorOf: (request: FastifyRequest) => string;
    tags: string[];
  },
): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const { keys, tenants, tenantOf, actorOf, tags } = options;
  const config = { policy: options.policy };
  const tenantProperty: Record<string, typeof tenantRefParam> = { [options.tenantParam]: tenantRefParam };
  const params = { type: 'object', required: [options.tenantParam], properties: tenantProperty } as const;
  const paramsWithKey = { ...params, required: [options.tenantParam, 'keyId'], properties: Object.assign({}, tenantProperty, keyParams.properties) } as const;

  app.post(
    `${options.prefix}/api-keys`,
    { config, schema: { tags, summary: 'Create an API key; the key is in this response only', params, body: createApiKeyBody, response: { 201: apiKeySchema } } },
    async (request, reply) => {
      const tenantId = await tenantOf(request, request.params[options.tenantParam]!);
      const body = request.body;
      const { key, record } = await keys.create(tenantId, { name: body.name, scopes: body.scopes, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null });
      await tenants.audit(tenantId, 'api_key.created', actorOf(request), { keyId: record.id, prefix: record.prefix, scopes: record.scopes });
      return reply.code(201).send({ ...publicKey(record), key });
    },
  );

  app.get(
    `${options.prefix}/api-keys`,
    { config, schema: { tags, summary: 'List API keys (prefixes only, never the keys)', params, response: { 200: { type: 'object', properties: { items: { type: 'array', items: apiKeySchema } } } } } },
    async (request) => ({ items: (await keys.list(await tenantOf(request, request.params[options.tenantParam]!))).map(publicKey) }),
  );

  app.delete(
    `${options.prefix}/api-keys/:keyId`,
    { config, schema: { tags, summary: 'Revoke an API key', params: paramsWithKey, response: { 200: apiKeySchema } } },
    async (request) => {
      const tenantId = await tenantOf(request, request.params[options.tenantParam]!);
      const record = await keys.revoke(tenantId, request.params.keyId);
      await tenants.audit(tenantId, 'api_key.revoked', actorOf(request), { keyId: record.id, prefix: record.prefix });
      return publicKey(record);
    },
  );

  app.post(
    `${options.prefix}/api-keys/:keyId/rotate`,
    { config, schema: { tags, summary: 'Replace a key with a new one (same name and scopes); the old one stops working', params: paramsWithKey, response: { 201: apiKeySchema } } },
    async (request, reply) => {
      const tenantId = await tenantOf(request, request.params[options.tenantParam]!);
      const { key, record } = await keys.rotate(tenantId, request.params.keyId);
      await tenants.audit(tenantId, 'api_key.rotated', actorOf(request), { replaced: request.params.keyId, keyId: record.id });
      return reply.code(201).send({ ...publicKey(record), key });
    },
  );
}
