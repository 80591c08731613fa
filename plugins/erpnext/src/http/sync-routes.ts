import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { SyncRecord, SyncRunRecord } from '../store/sync-store.js';
import type { SyncService } from '../sync/sync-service.js';
import { connectionName, doctype, tenantParam, tenantParams, UUID } from './schemas.js';

const tags = ['erpnext'];
const read = { config: { policy: tenantPolicy('read') } };
const admin = { config: { policy: tenantPolicy('admin') } };
const params = { type: 'object', required: ['tenant', 'doctype'], properties: { tenant: tenantParam, doctype } } as const;
const connectionQuery = { type: 'object', additionalProperties: false, properties: { connection: connectionName } } as const;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function syncJson(s: SyncRecord) {
  return {
    connection: s.connection,
    doctype: s.doctype,
    intervalMinutes: s.intervalMinutes,
    enabled: s.enabled,
    fields: s.fields,
    filters: s.filters,
    cursor: s.cursorModified === null ? null : { modified: s.cursorModified, name: s.cursorName },
    nextRunAt: iso(s.nextDueAt),
    running: s.claimToken !== null && (s.claimUntil ?? 0) > Date.now(),
    lastRunId: s.lastRunId,
  };
}

function runJson(r: SyncRunRecord) {
  return {
    id: r.id,
    connection: r.connection,
    doctype: r.doctype,
    trigger: r.trigger,
    status: r.status,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    pages: r.pages,
    documents: r.documents,
    published: r.published,
    duplicates: r.duplicates,
    fromModified: r.fromModified,
    toModified: r.toModified,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage } : null,
  };
}

/** Scheduled pulls of doctypes into events, with a report per run. */
export async function syncRoutes(instance: FastifyInstance, syncs: SyncService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;

  app.put(
    '/api/v1/:tenant/erpnext/syncs/:doctype',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Pull a doctype on a schedule (incrementally by modified) and publish each change as erpnext.<doctype>.on_change',
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            connection: connectionName,
            intervalMinutes: { type: 'integer', minimum: 1, maximum: 10_080, default: 15 },
            enabled: { type: 'boolean', default: true },
            fields: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9_]{1,140}$' } },
            filters: { type: 'array', maxItems: 20, description: 'Frappe filters in list form: [["status", "!=", "Cancelled"]]' },
          },
        },
      },
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
    },
    async (request) => syncJson(await syncs.configure(tenantOf(request), { ...request.body, doctype: request.params.doctype })),
  );

  app.get('/api/v1/:tenant/erpnext/syncs', { ...read, schema: { tags, summary: "The tenant's syncs", params: tenantParams } }, async (request) => ({
    items: (await syncs.list(tenantOf(request))).map(syncJson),
  }));

  app.get('/api/v1/:tenant/erpnext/syncs/:doctype', { ...read, schema: { tags, summary: 'A sync and its last 20 runs, newest first', params, querystring: connectionQuery } }, async (request) => {
    const { sync, runs } = await syncs.get(tenantOf(request), request.params.doctype, request.query.connection);
    return { ...syncJson(sync), runs: runs.map(runJson) };
  });

  app.delete('/api/v1/:tenant/erpnext/syncs/:doctype', { ...admin, schema: { tags, summary: 'Stop pulling a doctype (its run history goes too)', params, querystring: connectionQuery } }, async (request, reply) => {
    await syncs.remove(tenantOf(request), request.params.doctype, request.query.connection);
    return reply.code(204).send();
  });

  app.post(
    '/api/v1/:tenant/erpnext/syncs/:doctype/run',
    { ...admin, schema: { tags, summary: 'Run the sync now (409 while it runs); follow its progress at the run route', params, querystring: connectionQuery } },
    async (request, reply) => {
      const { run } = await syncs.runNow(tenantOf(request), request.params.doctype, request.query.connection);
      return reply.code(202).send(runJson(run));
    },
  );

  app.get(
    '/api/v1/:tenant/erpnext/sync-runs/:runId',
    { ...read, schema: { tags, summary: "A run's progress, or its report once it ended", params: { type: 'object', required: ['tenant', 'runId'], properties: { tenant: tenantParam, runId: { type: 'string', pattern: UUID } } } } },
    async (request) => runJson(await syncs.run(tenantOf(request), request.params.runId)),
  );
}
