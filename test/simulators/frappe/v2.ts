import { raise, type Ctx } from './context.js';
import { tableFields } from './meta.js';
import { HttpPage } from './errors.js';
import { uploadFile } from './files.js';
import { jsonArg } from './filters.js';
import { callMethod, doctypeMethodPath, type Env } from './methods.js';
import { checkDocPermission } from './permissions.js';
import type { PyValue } from './python-json.js';
import { getCount, getList } from './query.js';
import { asDict } from './store.js';
import type { Row } from './types.js';
import { DEFAULT_ORDER_BY } from './v1.js';

/**
 * REST API v2 (frappe/api/v2.py), under /api/v2. Results go in `data`; errors come as
 * `errors: [...]` (see errors.ts). Routes simulated:
 *   /method/login, /method/logout (POST), /method/ping, /method/upload_file (POST),
 *   /method/<method>, /method/<doctype>/<method> (the DocType controller's module + method)
 *   /document/<doctype>            GET list (fields, filters, or_filters, order_by, start, limit=20,
 *                                  as_dict; answers `has_next_page` from one extra row), POST create
 *   /document/<doctype>/<name>     GET, PATCH/PUT, DELETE (202 "ok") - documents as full as_dict()
 *                                  (None values present, unlike v1)
 *   /document/<doctype>/<name>/copy, /document/<doctype>/<name>/method/<method> (submit, cancel:
 *                                  the result in `data`, the document again in `docs`)
 *   /doctype/<doctype>/count
 */
const notAllowed = (): HttpPage => new HttpPage(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');

function listArgs(ctx: Ctx, pageLength: number): { fields: unknown; filters: unknown; orFilters: unknown; orderBy: unknown; start: number; limit: number; asDict: boolean } {
  const a = ctx.formDict;
  const fields = jsonArg(a.fields ?? null);
  const filters = jsonArg(a.filters ?? null);
  const orFilters = jsonArg(a.or_filters ?? null);
  const check = (ok: boolean, message: string): void => {
    if (!ok) raise('FrappeValueError', message);
  };
  check(!fields || Array.isArray(fields), "'fields' must be a list");
  check(!filters || typeof filters === 'object', "'filters' must be a list or dictionary");
  check(!orFilters || typeof orFilters === 'object', "'or_filters' must be a list or dictionary");
  check(!a.order_by || typeof a.order_by === 'string', "'order_by' must be a string");
  // cint(args.get("start", 0)), cint(args.get("limit", 20)), bool(args.get("as_dict", True)): "0" is truthy in Python.
  return { fields, filters, orFilters, orderBy: a.order_by ?? DEFAULT_ORDER_BY, start: Math.trunc(Number(a.start ?? 0)) || 0, limit: Math.trunc(Number(a.limit ?? pageLength)) || 0, asDict: a.as_dict === undefined ? true : !!a.as_dict };
}

/** frappe.copy_doc(doc).as_dict(no_private_properties=True, no_nulls=True) */
function copyOf(env: Env, doctype: string, doc: Row): PyValue {
  const meta = env.docs.meta(doctype);
  const clear = (row: Row): Row => ({ ...row, name: null, owner: null, creation: null, modified: null, modified_by: null, docstatus: 0 });
  const copy = clear({ ...doc, amended_from: null });
  for (const tf of tableFields(meta)) copy[tf.fieldname] = ((doc[tf.fieldname] as Row[]) ?? []).map(clear);
  return asDict(meta, copy, { noNulls: true });
}

export async function handleV2(env: Env, ctx: Ctx, rest: string): Promise<void> {
  const set = (data: PyValue): void => {
    if (data !== null && data !== undefined) ctx.response.data = data;
  };
  const m = ctx.method;
  if (rest === '/method/login' || rest === '/method/login/') return;
  if (rest === '/method/logout' || rest === '/method/logout/') {
    if (m !== 'POST') throw notAllowed();
    env.auth.logout(ctx);
    return;
  }
  if (rest === '/method/ping') return set('pong');
  if (rest === '/method/upload_file') {
    if (m !== 'POST') throw notAllowed();
    return set(uploadFile(env, ctx));
  }
  let r = /^\/method\/([^/]+)\/?$/.exec(rest);
  if (r) return set(await callMethod(env, ctx, r[1]!, 'v2'));
  r = /^\/method\/([^/]+)\/([^/]+)\/?$/.exec(rest);
  if (r) return set(await callMethod(env, ctx, doctypeMethodPath(ctx, r[1]!, r[2]!), 'v2'));
  r = /^\/doctype\/([^/]+)\/count\/?$/.exec(rest);
  if (r) {
    if (m !== 'GET') throw notAllowed();
    return set(getCount(ctx, env.store, env.roles, r[1]!, ctx.formDict.filters, ctx.formDict.or_filters));
  }
  r = /^\/document\/([^/]+)\/?$/.exec(rest);
  if (r) {
    const doctype = r[1]!;
    if (m === 'GET') {
      const a = listArgs(ctx, env.pageLength);
      const rows = getList(ctx, env.store, env.roles, { doctype, fields: a.fields, filters: a.filters, orFilters: a.orFilters, orderBy: a.orderBy, start: a.start, pageLength: a.limit + 1, asDict: a.asDict });
      ctx.response.has_next_page = rows.length > a.limit;
      return set(rows.slice(0, a.limit));
    }
    if (m !== 'POST') throw notAllowed();
    const data = { ...ctx.formDict };
    delete data.doctype;
    const nameSet = typeof data.name === 'string' ? data.name !== '' : typeof data.name === 'number';
    const doc = env.docs.insert(env.docs.newDoc(doctype, data), { nameSet });
    return set(asDict(env.docs.meta(doctype), doc));
  }
  r = /^\/document\/([^/]+)\/(.+)\/method\/([^/]+)\/?$/.exec(rest);
  if (r) {
    const [doctype, name, method] = [r[1]!, r[2]!, r[3]!];
    if (m !== 'GET' && m !== 'POST') throw notAllowed();
    const doc = env.docs.get(doctype, name);
    if (method !== 'submit' && method !== 'cancel') throw new HttpPage(404, 'Not Found', `Method ${method} not found`);
    const meta = env.docs.meta(doctype);
    checkDocPermission(ctx, meta, env.roles, m === 'GET' ? 'read' : 'write');
    const result = method === 'submit' ? env.docs.submit(doc) : env.docs.cancel(doc);
    (ctx.response.docs as PyValue[]).push(asDict(meta, result));
    return set(asDict(meta, result, { noNulls: true }));
  }
  r = /^\/document\/([^/]+)\/(.+)\/copy\/?$/.exec(rest);
  if (r) {
    if (m !== 'GET') throw notAllowed();
    const doc = env.docs.get(r[1]!, r[2]!);
    checkDocPermission(ctx, env.docs.meta(r[1]!), env.roles, 'read');
    return set(copyOf(env, r[1]!, doc));
  }
  r = /^\/document\/([^/]+)\/(.+?)\/?$/.exec(rest);
  if (r) {
    const [doctype, name] = [r[1]!, r[2]!];
    const meta = env.docs.meta(doctype);
    if (m === 'GET') {
      const doc = env.docs.get(doctype, name);
      checkDocPermission(ctx, meta, env.roles, 'read');
      return set(asDict(meta, doc));
    }
    if (m === 'PATCH' || m === 'PUT') {
      const data = { ...ctx.formDict };
      delete data.flags;
      return set(asDict(meta, env.docs.save(env.docs.update(env.docs.get(doctype, name), data))));
    }
    if (m === 'DELETE') {
      env.docs.delete(doctype, name);
      ctx.httpStatus = 202;
      return set('ok');
    }
    throw notAllowed();
  }
  raise('DoesNotExistError');
}
