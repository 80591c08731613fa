import type { FastifyInstance, FastifyRequest } from 'fastify';
import { publicKey, type ApiKeyService } from '../api-keys.js';
import { apiKeySchema, createApiKeyBody, keyParams, tenantRefParam } from '../http/schemas.js';
import type { TenantService } from '../tenant-service.js';

/**
 * API key management, mounted twice: under `/api/admin/tenants/:id` for the platform admin, and under
 * `/api/v1/:tenant` for the tenant's own admins (keys with the `admin` scope). `tenantOf` says how
 * each mount finds its tenant; `actorOf` who acted, for the audit.
 */
export async function apiKeyRoutes(
  app: FastifyInstance,
  options: {
    prefix: string;
    tenantParam: string;
    tenants: TenantService;
    keys: ApiKeyService;
    tenantOf: (request: FastifyRequest) => Promise<string>;
    actorOf: (request: FastifyRequest) => string;
    tags: string[];
  },
): Promise<void> {
  const { keys, tenants, tenantOf, actorOf, tags } = options;
  const params = { type: 'object', required: [options.tenantParam], properties: { [options.tenantParam]: tenantRefParam } };
  const paramsWithKey = { ...params, required: [options.tenantParam, 'keyId'], properties: { ...params.properties, ...keyParams.properties } };

  app.post(
    `${options.prefix}/api-keys`,
    { schema: { tags, summary: 'Create an API key; the key is in this response only', params, body: createApiKeyBody, response: { 201: apiKeySchema } } },
    async (request, reply) => {
      const tenantId = await tenantOf(request);
      const body = request.body as { name: string; scopes: string[]; expiresAt?: string };
      const { key, record } = await keys.create(tenantId, { name: body.name, scopes: body.scopes, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null });
      await tenants.audit(tenantId, 'api_key.created', actorOf(request), { keyId: record.id, prefix: record.prefix, scopes: record.scopes });
      return reply.code(201).send({ ...publicKey(record), key });
    },
  );

  app.get(
    `${options.prefix}/api-keys`,
    { schema: { tags, summary: 'List API keys (prefixes only, never the keys)', params, response: { 200: { type: 'object', properties: { items: { type: 'array', items: apiKeySchema } } } } } },
    async (request) => ({ items: (await keys.list(await tenantOf(request))).map(publicKey) }),
  );

  app.delete(
    `${options.prefix}/api-keys/:keyId`,
    { schema: { tags, summary: 'Revoke an API key', params: paramsWithKey, response: { 200: apiKeySchema } } },
    async (request) => {
      const tenantId = await tenantOf(request);
      const record = await keys.revoke(tenantId, (request.params as { keyId: string }).keyId);
      await tenants.audit(tenantId, 'api_key.revoked', actorOf(request), { keyId: record.id, prefix: record.prefix });
      return publicKey(record);
    },
  );

  app.post(
    `${options.prefix}/api-keys/:keyId/rotate`,
    { schema: { tags, summary: 'Replace a key with a new one (same name and scopes); the old one stops working', params: paramsWithKey, response: { 201: apiKeySchema } } },
    async (request, reply) => {
      const tenantId = await tenantOf(request);
      const { key, record } = await keys.rotate(tenantId, (request.params as { keyId: string }).keyId);
      await tenants.audit(tenantId, 'api_key.rotated', actorOf(request), { replaced: (request.params as { keyId: string }).keyId, keyId: record.id });
      return reply.code(201).send({ ...publicKey(record), key });
    },
  );
}
