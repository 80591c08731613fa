import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PLATFORM_ADMIN_POLICY, tenantPolicy, type JsonSchemaTypeProvider, type PlatformAdminRoutePolicy, type TenantRoutePolicy } from '@dogan/runtime';
import { tenantRefParam } from '../http/schemas.js';
import type { AuditTrail } from './audit-trail.js';
import { decodeCursor, encodeCursor, exportQuery, filtersOf, listQuery, ndjsonLine, pageSchema, verificationSchema } from './audit-query.js';
import type { AuditTrailEntry } from './trail-entry.js';

interface Mount {
  readonly path: string;
  readonly policy: TenantRoutePolicy | PlatformAdminRoutePolicy;
  readonly params?: object;
  /** Whose chain: the request's tenant, or null for the platform's. */
  readonly tenantOf: (request: FastifyRequest) => string | null;
  readonly tags: string[];
}

/** Lines of at most about this many bytes go out together. */
const EXPORT_CHUNK = 64 * 1024;

async function* ndjson(entries: AsyncIterable<AuditTrailEntry>): AsyncGenerator<string> {
  let chunk = '';
  for await (const entry of entries) {
    chunk += ndjsonLine(entry);
    if (chunk.length >= EXPORT_CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function mountAuditRoutes(instance: FastifyInstance, trail: AuditTrail, mount: Mount): void {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const { tags, tenantOf } = mount;
  const config = { policy: mount.policy, audit: false as const };
  // Only the tenant mount has path parameters; a `params: undefined` would make Fastify warn.
  const params = mount.params ? { params: mount.params } : {};

  app.get(
    mount.path,
    { config, schema: { tags, summary: 'The audit trail, newest first, filtered; nextCursor gives the next page', ...params, querystring: listQuery, response: { 200: pageSchema } } },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const page = await trail.page(tenantOf(request), filtersOf(filters), decodeCursor(cursor), limit);
      return { items: page.items, nextCursor: page.nextSeq === null ? null : encodeCursor(page.nextSeq) };
    },
  );

  app.get(
    `${mount.path}/export`,
    { config, schema: { tags, summary: 'The audit trail as NDJSON (application/x-ndjson), oldest first, filtered like the list; streamed', ...params, querystring: exportQuery } },
    async (request, reply) => {
      const filters = filtersOf(request.query);
      const tenantId = tenantOf(request);
      reply.header('content-disposition', `attachment; filename="audit-${tenantId ?? 'platform'}.ndjson"`);
      return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(ndjson(trail.entries(tenantId, filters))));
    },
  );

  app.get(
    `${mount.path}/verify`,
    { config, schema: { tags, summary: 'Recomputes the hash chain: ok, or the first entry missing, changed or unlinked and why', ...params, response: { 200: verificationSchema } } },
    async (request) => trail.verify(tenantOf(request)),
  );
}

/**
 * `/api/v1/:tenant/audit` (+ `/export`, `/verify`): a tenant's own trail, for its admins (and the
 * platform admin), whatever the tenant's status, so a suspended tenant can still see what happened.
 * `/api/admin/audit` (+ `/export`, `/verify`): the platform's trail. Reading records nothing.
 */
export async function auditRoutes(app: FastifyInstance, trail: AuditTrail): Promise<void> {
  mountAuditRoutes(app, trail, {
    path: '/api/v1/:tenant/audit',
    policy: tenantPolicy('admin', { allowStatuses: ['suspended', 'expired', 'cancelled', 'pending_deletion'], metered: false }),
    params: { type: 'object', required: ['tenant'], properties: { tenant: tenantRefParam } },
    tenantOf: (request) => request.tenant!.id,
    tags: ['audit (tenant admin)'],
  });
  mountAuditRoutes(app, trail, { path: '/api/admin/audit', policy: PLATFORM_ADMIN_POLICY, tenantOf: () => null, tags: ['audit (platform admin)'] });
}
