import { raise, type Ctx } from './context.js';
import { HttpPage } from './errors.js';
import { jsonArg } from './filters.js';
import { callMethod, type Env } from './methods.js';
import { checkDocPermission } from './permissions.js';
import { getList } from './query.js';
import { asDict } from './store.js';
import type { Row } from './types.js';

/**
 * REST API v1 (frappe/api/v1.py), mounted at /api and /api/v1:
 *   /method/<path:method>             any HTTP method -> {"message": result} (nothing when None)
 *   /resource/<doctype>         GET   frappe.client.get_list -> {"data": [...]}
 *                               POST  insert -> {"data": doc}
 *   /resource/<doctype>/<path:name>/  GET read, PUT update, DELETE (202, {"data": "ok"}), POST run_method
 * A single document is the Document object itself, serialized by json_handler as
 * as_dict(no_nulls=True): fields that are None are absent. Unmatched paths raise DoesNotExistError
 * (a bare 404); a matched path with another HTTP method is werkzeug's 405 page.
 */
export const DEFAULT_ORDER_BY = 'KEEP_DEFAULT_ORDERING';

const methodNotAllowed = (allowed: string[]): HttpPage =>
  Object.assign(new HttpPage(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.'), { allow: allowed });

/** v1.get_request_form_data: form_dict.data, else the raw body, parsed as JSON; not JSON -> form_dict itself. */
function requestData(ctx: Ctx): Row {
  const data = ctx.formDict.data ?? ctx.rawBody.toString('utf8');
  if (typeof data !== 'string') return { ...(data as Row) };
  try {
    const parsed: unknown = JSON.parse(data);
    return parsed && typeof parsed === 'object' ? { ...(parsed as Row) } : { ...ctx.formDict };
  } catch {
    return { ...ctx.formDict };
  }
}

const sbool = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  if (['true', '1'].includes(v.toLowerCase())) return true;
  if (['false', '0'].includes(v.toLowerCase())) return false;
  return v;
};

function executeDocMethod(env: Env, ctx: Ctx, doctype: string, name: string, method: string): Row {
  const doc = env.docs.get(doctype, name);
  if (method !== 'submit' && method !== 'cancel') throw new HttpPage(404, 'Not Found', `Method ${method} not found`);
  checkDocPermission(ctx, env.docs.meta(doctype), env.roles, ctx.method === 'GET' ? 'read' : 'write');
  return method === 'submit' ? env.docs.submit(doc) : env.docs.cancel(doc);
}

export async function handleV1(env: Env, ctx: Ctx, rest: string): Promise<void> {
  const fd = ctx.formDict;
  const method = /^\/method\/(.+)$/.exec(rest);
  if (method) {
    const cmd = method[1]!.split('/')[0]!;
    if (cmd === 'login') return; // LoginManager already did the work; handler.handle skips "login"
    const result = await callMethod(env, ctx, cmd, 'v1');
    if (result !== null && result !== undefined) ctx.response.message = result;
    return;
  }
  const list = /^\/resource\/([^/]+)\/?$/.exec(rest);
  if (list) {
    const doctype = list[1]!;
    if (ctx.method === 'GET') {
      if (fd.fields) fd.fields = jsonArg(fd.fields);
      if (!('limit_page_length' in fd)) fd.limit_page_length = fd.limit || fd.limit_page_length || env.pageLength;
      if (!('order_by' in fd)) fd.order_by = DEFAULT_ORDER_BY;
      if (fd.as_dict !== undefined) fd.as_dict = sbool(fd.as_dict);
      ctx.response.data = getList(ctx, env.store, env.roles, {
        doctype, fields: fd.fields, filters: fd.filters, orFilters: fd.or_filters, orderBy: fd.order_by, start: fd.limit_start, pageLength: fd.limit_page_length, asDict: fd.as_dict,
      });
      return;
    }
    if (ctx.method === 'POST') {
      const data = requestData(ctx);
      delete data.doctype;
      const doc = env.docs.insert(env.docs.newDoc(doctype, data));
      ctx.response.data = asDict(env.docs.meta(doctype), doc, { noNulls: true });
      return;
    }
    throw methodNotAllowed(['GET', 'HEAD', 'POST']);
  }
  const one = /^\/resource\/([^/]+)\/(.+?)\/?$/.exec(rest);
  if (one) {
    const [doctype, name] = [one[1]!, one[2]!];
    const meta = env.docs.meta(doctype);
    if (ctx.method === 'GET' && !('run_method' in fd)) {
      const doc = env.docs.get(doctype, name);
      checkDocPermission(ctx, meta, env.roles, 'read');
      ctx.response.data = asDict(meta, doc, { noNulls: true });
    } else if (ctx.method === 'GET' || ctx.method === 'POST') {
      const run = String(fd.run_method ?? '');
      delete fd.run_method;
      ctx.response.data = asDict(meta, executeDocMethod(env, ctx, doctype, name, run), { noNulls: true });
    } else if (ctx.method === 'PUT') {
      const data = requestData(ctx);
      delete data.flags;
      const doc = env.docs.save(env.docs.update(env.docs.get(doctype, name), data));
      ctx.response.data = asDict(meta, doc, { noNulls: true });
    } else if (ctx.method === 'DELETE') {
      env.docs.delete(doctype, name);
      ctx.httpStatus = 202;
      ctx.response.data = 'ok';
    } else throw methodNotAllowed(['DELETE', 'GET', 'HEAD', 'POST', 'PUT']);
    return;
  }
  raise('DoesNotExistError'); // API_URL_MAP NotFound, "wrapped for backward compatibility"
}
