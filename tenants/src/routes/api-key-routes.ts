import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonSchemaTypeProvider, PlatformAdminRoutePolicy, TenantRoutePolicy } from '@dogan/runtime';
import { publicKey, type ApiKeyService } from '../api-keys.js';
import { actorOfRequest, type AuditNote } from '../audit/audit-hook.js';
import type { AuditRecorder } from '../audit/trail-entry.js';
import { apiKeySchema, createApiKeyBody, keyParams, tenantRefParam } from '../http/schemas.js';

/**
 * API key management, mounted twice: under `/api/admin/tenants/:id` for the platform admin, and under
 * `/api/v1/:tenant` for the tenant's own admins (keys with the `admin` scope). `tenantOf` says how
 * each mount finds its tenant.
 *
 * The audit: each request's entry (written by the audit hook, in the tenant's chain or, at the admin
 * mount, the platform's) names the key and its prefix, never the key. At the admin mount
 * (`auditAs` set) the action is recorded in the tenant's chain too, so a tenant sees what the
 * platform admin did to its keys.
 */
export async function apiKeyRoutes(
  instance: FastifyInstance,
  options: {
    prefix: string;
    tenantParam: string;
    /** Who may manage the keys at this mount: the platform admin, or the tenant's keys with the admin scope. */
    policy: PlatformAdminRoutePolicy | TenantRoutePolicy;
    keys: ApiKeyService;
    /** The tenant's id, from the request or the tenant the path names (`ref`, the `tenantParam` parameter). */
    tenantOf: (request: FastifyRequest, ref: string) => Promise<string>;
    /** At a mount outside the tenant's routes: the prefix of its own actions' names (`tenants`), and the trail to record them in the tenant's chain too. */
    auditAs?: { prefix: string; trail: AuditRecorder };
    tags: string[];
  },
): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const { keys, tenantOf, tags, auditAs } = options;
  const routeConfig = (verb: string) => ({ policy: options.policy, ...(auditAs ? { audit: { action: `${auditAs.prefix}.api-keys.${verb}` } } : {}) });
  const audited = async (request: FastifyRequest, tenantId: string, verb: string, outcome: number, note: Omit<AuditNote, 'action'>) => {
    request.auditNote = note;
    if (!auditAs) return;
    const { target, details } = note;
    await auditAs.trail.record({ tenantId, actor: actorOfRequest(request), action: `api-keys.${verb}`, target, details, requestId: request.id, ip: request.ip, outcome: String(outcome) });
  };
  const keyTarget = (id: string) => ({ type: 'api-keys', id });
  const tenantProperty: Record<string, typeof tenantRefParam> = { [options.tenantParam]: tenantRefParam };
  const params = { type: 'object', required: [options.tenantParam], properties: tenantProperty } as const;
  const paramsWithKey = { ...params, required: [options.tenantParam, 'keyId'], properties: Object.assign({}, tenantProperty, keyParams.properties) } as const;

  app.post(
    `${options.prefix}/api-keys`,
    { config: routeConfig('create'), schema: { tags, summary: 'Create an API key; the key is in this response only', params, body: createApiKeyBody, response: { 201: apiKeySchema } } },
    async (request, reply) => {
      const tenantId = await tenantOf(request, request.params[options.tenantParam]!);
      const body = request.body;
      const { key, record } = await keys.create(tenantId, { name: body.name, scopes: body.scopes, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null });
      await audited(request, tenantId, 'create', 201, { target: keyTarget(record.id), details: { tenantId, name: record.name, prefix: record.prefix, scopes: record.scopes } });
      return reply.code(201).send({ ...publicKey(record), key });
    },
  );

  app.get(
    `${options.prefix}/api-keys`,
    { config: { policy: options.policy }, schema: { tags, summary: 'List API keys (prefixes only, never the keys)', params, response: { 200: { type: 'object', properties: { items: { type: 'array', items: apiKeySchema } } } } } },
    async (request) => ({ items: (await keys.list(await tenantOf(request, request.params[options.tenantParam]!))).map(publicKey) }),
  );

  app.delete(
    `${options.prefix}/api-keys/:keyId`,
    { config: routeConfig('delete'), schema: { tags, summary: 'Revoke an API key', params: paramsWithKey, response: { 200: apiKeySchema } } },
    async (request) => {
      const tenantId = await tenantOf(request, request.params[options.tenantParam]!);
      const record = await keys.revoke(tenantId, request.params.keyId);
      await audited(request, tenantId, 'delete', 200, { target: keyTarget(record.id), details: { tenantId, prefix: record.prefix } });
      return publicKey(record);
    },
  );

  app.post(
    `${options.prefix}/api-keys/:keyId/rotate`,
    { config: routeConfig('rotate'), schema: { tags, summary: 'Replace a key with a new one (same name and scopes); the old one stops working', params: paramsWithKey, response: { 201: apiKeySchema } } },
    async (request, reply) => {
      const tenantId = await tenantOf(request, request.params[options.tenantParam]!);
      const { key, record } = await keys.rotate(tenantId, request.params.keyId);
      await audited(request, tenantId, 'rotate', 201, { target: keyTarget(request.params.keyId), details: { tenantId, replacedBy: record.id, prefix: record.prefix } });
      return reply.code(201).send({ ...publicKey(record), key });
    },
  );
}
