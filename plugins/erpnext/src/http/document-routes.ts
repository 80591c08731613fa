import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import { runDocumentOperation, type DocumentOperation } from '../capability/document-operations.js';
import type { ConnectionService } from '../connections/connection-service.js';
import { ErpnextErrors } from '../errors.js';
import { connectionName, docName, doctype, tenantParam } from './schemas.js';

const tags = ['erpnext documents'];
const read = { config: { policy: tenantPolicy('read') } };
const write = { config: { policy: tenantPolicy('write') } };
const typeParams = { type: 'object', required: ['tenant', 'doctype'], properties: { tenant: tenantParam, doctype } } as const;
const docParams = { type: 'object', required: ['tenant', 'doctype', 'name'], properties: { tenant: tenantParam, doctype, name: docName } } as const;
const connectionQuery = { type: 'object', additionalProperties: false, properties: { connection: connectionName } } as const;
/** Frappe's own query parameters, JSON text where Frappe takes JSON (fields, filters, or_filters). */
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    connection: connectionName,
    fields: { type: 'string', maxLength: 4000, description: 'JSON list of field names: ["name","customer","grand_total"]' },
    filters: { type: 'string', maxLength: 8000, description: 'JSON filters: [["status","=","Draft"]] or {"status":"Draft"}' },
    or_filters: { type: 'string', maxLength: 8000 },
    order_by: { type: 'string', maxLength: 200 },
    limit_start: { type: 'integer', minimum: 0, maximum: 10_000_000 },
    limit_page_length: { type: 'integer', minimum: 0, maximum: 500 },
  },
} as const;
/** Largest file passed on to ERPNext's upload_file. */
const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

function parseJsonParam(name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ErpnextErrors.ERPNEXT_REQUEST_INVALID.with({ field: name }, `the ${name} query parameter is not valid JSON`);
  }
}

/** ERPNext documents for API clients, through the tenant's connection: the same operations modules and agents have. */
export async function documentRoutes(instance: FastifyInstance, connections: ConnectionService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  const run = (request: FastifyRequest, op: DocumentOperation, args: Record<string, unknown>) => runDocumentOperation(connections, tenantOf(request), op, args);
  const base = '/api/v1/:tenant/erpnext/documents/:doctype';

  app.get(base, { ...read, schema: { tags, summary: 'List documents of a doctype (Frappe filters, fields, order_by, paging)', params: typeParams, querystring: listQuery } }, async (request) => {
    const q = request.query;
    const query = {
      fields: parseJsonParam('fields', q.fields),
      filters: parseJsonParam('filters', q.filters),
      or_filters: parseJsonParam('or_filters', q.or_filters),
      order_by: q.order_by,
      limit_start: q.limit_start,
      limit_page_length: q.limit_page_length,
    };
    const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
    return { data: await run(request, 'list', { doctype: request.params.doctype, connection: q.connection, query: clean }) };
  });
  app.get(`${base}/:name`, { ...read, schema: { tags, summary: 'One document', params: docParams, querystring: connectionQuery } }, async (request) => ({
    data: await run(request, 'get', { ...request.params, connection: request.query.connection }),
  }));
  app.post(base, { ...write, schema: { tags, summary: 'Create a document', params: typeParams, querystring: connectionQuery, body: { type: 'object' } } }, async (request, reply) =>
    reply.code(201).send({ data: await run(request, 'create', { doctype: request.params.doctype, connection: request.query.connection, doc: request.body }) }),
  );
  app.put(`${base}/:name`, { ...write, schema: { tags, summary: 'Change a draft document; include modified to refuse a stale change', params: docParams, querystring: connectionQuery, body: { type: 'object' } } }, async (request) => ({
    data: await run(request, 'update', { ...request.params, connection: request.query.connection, patch: request.body }),
  }));
  app.delete(`${base}/:name`, { ...write, schema: { tags, summary: 'Delete a draft or cancelled document', params: docParams, querystring: connectionQuery } }, async (request, reply) => {
    await run(request, 'delete', { ...request.params, connection: request.query.connection });
    return reply.code(204).send();
  });
  for (const op of ['submit', 'cancel'] as const) {
    app.post(`${base}/:name/${op}`, { ...write, schema: { tags, summary: op === 'submit' ? 'Submit a draft (docstatus 0 to 1)' : 'Cancel a submitted document (docstatus 1 to 2)', params: docParams, querystring: connectionQuery } }, async (request) => ({
      data: await run(request, op, { ...request.params, connection: request.query.connection }),
    }));
  }

  await instance.register(async (scope) => {
    if (!scope.hasContentTypeParser('multipart/form-data')) await scope.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10 } });
    scope.post(
      '/api/v1/:tenant/erpnext/files',
      {
        ...write,
        bodyLimit: MAX_UPLOAD_BYTES + 64 * 1024,
        schema: { tags, summary: "Upload a file to ERPNext (upload_file), optionally attached to a document: multipart with `file` and fields doctype, docname, fieldname, is_private, connection", params: { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } },
      },
      async (request, reply) => {
        const part = await request.file();
        if (!part) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID.with({ field: 'file' }, 'request has no file part named "file"');
        const content = await part.toBuffer();
        const field = (name: string) => {
          const f = part.fields[name];
          const value = f && !Array.isArray(f) && 'value' in f ? f.value : undefined;
          return typeof value === 'string' && value.length > 0 ? value : undefined;
        };
        const client = await connections.client(tenantOf(request), field('connection'));
        const filename = part.filename.slice(0, 140) || 'upload';
        const doctypeField = field('doctype');
        const docname = field('docname');
        const fieldname = field('fieldname');
        const file = await client.uploadFile({
          filename,
          content,
          contentType: part.mimetype,
          isPrivate: field('is_private') === '1' || field('is_private') === 'true',
          ...(doctypeField ? { doctype: doctypeField } : {}),
          ...(docname ? { docname } : {}),
          ...(fieldname ? { fieldname } : {}),
        });
        return reply.code(201).send({ data: file });
      },
    );
  });
}
