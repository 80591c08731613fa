import type { Tenant } from '@dogan/tenants';
import { validateFilters, type ListQuery } from '../client/index.js';
import type { ConnectionService } from '../connections/connection-service.js';
import type { ErpnextVerb } from '../erpnext-api.js';
import { ErpnextErrors } from '../errors.js';
import { DOCTYPE_PATTERN } from '../webhooks/event-type.js';

/** The document operations modules and agents may run, and the access each needs. */
export const OPERATION_VERBS = {
  list: 'read',
  get: 'read',
  create: 'write',
  update: 'write',
  delete: 'write',
  submit: 'submit',
  cancel: 'submit',
} as const satisfies Record<string, ErpnextVerb>;
export type DocumentOperation = keyof typeof OPERATION_VERBS;

export function isDocumentOperation(op: string): op is DocumentOperation {
  return Object.hasOwn(OPERATION_VERBS, op);
}

const MAX_PAGE = 500;

function invalid(field: string, what: string): Error {
  return ErpnextErrors.ERPNEXT_REQUEST_INVALID.with({ field }, `${field} ${what}`);
}

function doctypeOf(args: Record<string, unknown>): string {
  const doctype = args.doctype;
  if (typeof doctype !== 'string' || !DOCTYPE_PATTERN.test(doctype)) throw ErpnextErrors.ERPNEXT_DOCTYPE_INVALID(JSON.stringify(String(doctype).slice(0, 150)));
  return doctype;
}

function nameOf(args: Record<string, unknown>): string {
  const name = args.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 140) throw invalid('name', 'must be the document name (1 to 140 characters)');
  return name;
}

function objectOf(args: Record<string, unknown>, field: string): Record<string, unknown> {
  const value = args[field];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(field, 'must be an object of document fields');
  return value as Record<string, unknown>;
}

/** A list query from outside (a module, an agent): Frappe's own field names, checked before anything is sent. */
export function listQueryOf(raw: unknown): ListQuery {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('query', 'must be an object');
  const q = raw as Record<string, unknown>;
  const out: { -readonly [K in keyof ListQuery]: ListQuery[K] } = {};
  if (q.fields !== undefined) {
    if (!Array.isArray(q.fields) || q.fields.length > 100 || !q.fields.every((f) => typeof f === 'string' && f.length > 0 && f.length <= 200)) throw invalid('query.fields', 'must be a list of up to 100 field names');
    out.fields = q.fields as string[];
  }
  if (q.filters !== undefined) out.filters = validateFilters(q.filters);
  if (q.or_filters !== undefined) out.orFilters = validateFilters(q.or_filters);
  if (q.order_by !== undefined) {
    if (typeof q.order_by !== 'string' || !/^[A-Za-z0-9_`.]+( (asc|desc))?(, ?[A-Za-z0-9_`.]+( (asc|desc))?)*$/i.test(q.order_by)) throw invalid('query.order_by', 'must be "field asc" or "field desc", comma-separated');
    out.orderBy = q.order_by;
  }
  for (const [from, to, max] of [
    ['limit_start', 'limitStart', 10_000_000],
    ['limit_page_length', 'limitPageLength', MAX_PAGE],
  ] as const) {
    const v = q[from];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max) throw invalid(`query.${from}`, `must be a whole number from 0 to ${max}`);
    out[to] = v as number;
  }
  out.limitPageLength ??= 20;
  if (out.limitPageLength === 0) out.limitPageLength = MAX_PAGE;
  return out;
}

/**
 * Runs one document operation through the tenant's own connection (`args.connection` or the
 * default). The caller has checked the grant; failures of the site are noted on the connection.
 */
export async function runDocumentOperation(connections: ConnectionService, tenant: Tenant, op: DocumentOperation, args: Record<string, unknown>): Promise<unknown> {
  const doctype = doctypeOf(args);
  const connection = args.connection === undefined || args.connection === null ? undefined : String(args.connection);
  const client = await connections.client(tenant, connection);
  try {
    switch (op) {
      case 'list':
        return await client.list(doctype, listQueryOf(args.query));
      case 'get':
        return await client.get(doctype, nameOf(args));
      case 'create':
        return await client.create(doctype, objectOf(args, 'doc'));
      case 'update':
        return await client.update(doctype, nameOf(args), objectOf(args, 'patch'));
      case 'delete':
        await client.delete(doctype, nameOf(args));
        return { deleted: true };
      case 'submit':
        return await client.submit(doctype, nameOf(args));
      case 'cancel':
        return await client.cancel(doctype, nameOf(args));
    }
  } catch (err) {
    await connections.noteFailure(tenant, connection ?? (await connections.record(tenant)).name, err);
    throw err;
  }
}
