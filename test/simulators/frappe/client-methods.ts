import { frappeThrow, raise, type Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import { CHILD_FIELDS, DEFAULT_FIELDS, tableFields } from './meta.js';
import { uploadFile } from './files.js';
import { checkDocPermission, hasPerm, notFound } from './permissions.js';
import { PyDict, pyRepr, type PyValue } from './python-json.js';
import { findRows, getList } from './query.js';
import { asDict } from './store.js';
import type { Row } from './types.js';
import type { Env } from './methods.js';

/**
 * The whitelisted functions the simulator implements, from frappe/client.py (v15), frappe/auth.py
 * and frappe/handler.py: their declared parameters (frappe.call passes only those), the HTTP methods
 * they accept (`@frappe.whitelist(methods=[...])`), whether guests may call them, and what they
 * return. Notable: get/insert/save/submit/cancel/set_value answer `doc.as_dict()` (None values
 * kept), get_count is frappe.db.count (no permission check), get_value answers {} when nothing
 * matches, set_value refuses default and child-table fields, and child rows are inserted or deleted
 * through their parent.
 */
export interface Method {
  params: string[];
  required?: string[];
  allowGuest?: boolean;
  http?: string[];
  run(env: Env, ctx: Ctx, args: Record<string, unknown>): PyValue | Promise<PyValue>;
}

const WRITE = ['POST', 'PUT'];
const parse = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return raise('JSONDecodeError', 'Expecting value: line 1 column 1 (char 0)');
  }
};
const asDoc = (env: Env, data: unknown): Row => {
  const d = parse(data) as Row | null;
  if (!d || typeof d !== 'object' || !d.doctype) return raise('ValueError', '"doctype" is a required key');
  return env.docs.update({ doctype: env.docs.meta(d.doctype).name }, d);
};
const out = (env: Env, doc: Row): PyValue => asDict(env.docs.meta(doc.doctype), doc);
/** Python truthiness of an argument ("0" is true, "" is false). */
const truthy = (v: unknown): boolean => !(v === false || v === null || v === undefined || v === '' || v === 0);
/** get_safe_filters: JSON text parsed, anything else (a name) kept. */
const safeFilters = (v: unknown): unknown => {
  try {
    return typeof v === 'string' ? JSON.parse(v) : v;
  } catch {
    return v;
  }
};

/** The parent document holding a child row, and the row in it (frappe.db.get_value(child, name, [parenttype, parent])). */
function childRow(env: Env, ctx: Ctx, doctype: string, name: string): [Row, Row] {
  for (const parentMeta of ['Sales Order', 'Sales Invoice'].map((dt) => env.docs.meta(dt))) {
    for (const stored of env.store.rows(parentMeta.name)) {
      const field = tableFields(parentMeta).find((tf) => tf.options === doctype && ((stored[tf.fieldname] as Row[]) ?? []).some((r) => r.name === name));
      if (!field) continue;
      const parent = env.docs.get(parentMeta.name, stored.name);
      return [parent, (parent[field.fieldname] as Row[]).find((r) => r.name === name)!];
    }
  }
  return raise('DoesNotExistError');
}

/** client.insert_doc: a child row (parenttype, parent, parentfield required) is appended to its parent and saved. */
function insertDoc(env: Env, ctx: Ctx, data: unknown): Row {
  const doc = data as Row;
  const meta = env.docs.meta(asDoc(env, doc).doctype);
  if (!meta.istable) return env.docs.insert(env.docs.newDoc(meta.name, doc));
  if (!(doc.parenttype && doc.parent && doc.parentfield)) frappeThrow(ctx, 'Parenttype, Parent and Parentfield are required to insert a child record');
  const parent = env.docs.get(doc.parenttype, doc.parent);
  const field = String(doc.parentfield);
  env.docs.update(parent, { [field]: [...((parent[field] as Row[]) ?? []), doc] });
  return env.docs.save(parent);
}

export const METHODS: Record<string, Method> = {
  'frappe.auth.get_logged_user': { params: [], run: (_env, ctx) => ctx.user },
  'frappe.client.get_list': {
    params: ['doctype', 'fields', 'filters', 'group_by', 'order_by', 'limit_start', 'limit_page_length', 'parent', 'debug', 'as_dict', 'or_filters'],
    required: ['doctype'],
    run: (env, ctx, a) =>
      getList(ctx, env.store, env.roles, { doctype: String(a.doctype), fields: a.fields, filters: a.filters, orFilters: a.or_filters, orderBy: a.order_by, start: a.limit_start, pageLength: a.limit_page_length ?? env.pageLength, asDict: truthy(a.as_dict ?? true) }),
  },
  // frappe.db.count: no permission check; an unknown DocType is a missing table.
  'frappe.client.get_count': {
    params: ['doctype', 'filters', 'debug', 'cache'],
    required: ['doctype'],
    run: (env, ctx, a) => {
      if (!getMeta(String(a.doctype))) raise('ProgrammingError', `(1146, "Table '_site_db.tab${String(a.doctype)}' doesn't exist")`);
      return findRows(ctx, env.store, env.docs.meta(a.doctype), safeFilters(a.filters)).length;
    },
  },
  'frappe.client.get': {
    params: ['doctype', 'name', 'filters', 'parent'],
    required: ['doctype'],
    run: (env, ctx, a) => {
      const meta = env.docs.meta(a.doctype);
      let doc: Row;
      if (a.name) doc = env.docs.get(meta.name, a.name);
      else if (a.filters || a.filters === '{}') {
        // frappe.get_doc(doctype, <filters>): the first match, or "<doctype> <repr(filters)> not found"
        const filters = parse(a.filters);
        const name = findRows(ctx, env.store, meta, filters)[0]?.name;
        doc = name ? env.docs.get(meta.name, name) : notFound(ctx, meta, env.roles, pyRepr(filters as PyValue));
      } else doc = env.docs.get(meta.name, meta.name);
      checkDocPermission(ctx, meta, env.roles, 'read');
      return asDict(meta, doc);
    },
  },
  'frappe.client.get_value': {
    params: ['doctype', 'fieldname', 'filters', 'as_dict', 'debug', 'parent'],
    required: ['doctype', 'fieldname'],
    run: (env, ctx, a) => {
      const meta = env.docs.meta(a.doctype);
      if (!hasPerm(meta, ctx.user, env.roles, 'read')) frappeThrow(ctx, `No permission for ${meta.name}`, 'PermissionError');
      let filters = safeFilters(a.filters);
      if (typeof filters === 'string') filters = { name: filters };
      let fields: unknown;
      try {
        fields = typeof a.fieldname === 'string' ? JSON.parse(a.fieldname) : a.fieldname;
      } catch {
        fields = [a.fieldname];
      }
      const asDictWanted = truthy(a.as_dict ?? true);
      const value = getList(ctx, env.store, env.roles, { doctype: meta.name, fields, filters: filters || undefined, pageLength: 1, asDict: asDictWanted });
      if (asDictWanted) return value[0] ?? new PyDict();
      if (!value.length) return null;
      return Array.isArray(fields) && fields.length > 1 ? value[0]! : (value[0] as PyValue[])[0]!;
    },
  },
  'frappe.client.insert': { params: ['doc'], http: WRITE, run: (env, ctx, a) => out(env, insertDoc(env, ctx, parse(a.doc))) },
  'frappe.client.insert_many': {
    params: ['docs'],
    http: WRITE,
    run: (env, ctx, a) => {
      const docs = (parse(a.docs) as unknown[]) ?? [];
      if (docs.length > 200) frappeThrow(ctx, 'Only 200 inserts allowed in one request');
      return docs.map((d) => String(insertDoc(env, ctx, d).name));
    },
  },
  'frappe.client.save': { params: ['doc'], http: WRITE, run: (env, _ctx, a) => out(env, env.docs.save(asDoc(env, a.doc))) },
  'frappe.client.submit': { params: ['doc'], http: WRITE, run: (env, _ctx, a) => out(env, env.docs.submit(asDoc(env, a.doc))) },
  'frappe.client.cancel': { params: ['doctype', 'name'], required: ['doctype', 'name'], http: WRITE, run: (env, _ctx, a) => out(env, env.docs.cancel(env.docs.get(a.doctype, a.name))) },
  'frappe.client.set_value': {
    params: ['doctype', 'name', 'fieldname', 'value'],
    required: ['doctype', 'name', 'fieldname'],
    http: WRITE,
    run: (env, ctx, a) => {
      if ([...DEFAULT_FIELDS, ...CHILD_FIELDS].includes(String(a.fieldname))) frappeThrow(ctx, 'Cannot edit standard fields');
      let values: Row = { [String(a.fieldname)]: a.value };
      if (!truthy(a.value)) {
        try {
          values = typeof a.fieldname === 'string' ? JSON.parse(a.fieldname) : (a.fieldname as Row);
        } catch {
          values = { [String(a.fieldname)]: '' };
        }
      }
      const meta = env.docs.meta(a.doctype);
      if (!meta.istable) return out(env, env.docs.save(env.docs.update(env.docs.get(meta.name, a.name), values)));
      const [parent, child] = childRow(env, ctx, meta.name, String(a.name));
      Object.assign(child, values);
      return out(env, env.docs.save(parent));
    },
  },
  'frappe.client.delete': {
    params: ['doctype', 'name'],
    required: ['doctype', 'name'],
    http: ['POST', 'DELETE'],
    run: (env, ctx, a) => {
      const meta = env.docs.meta(a.doctype);
      if (!meta.istable) {
        env.docs.delete(meta.name, a.name);
        return null;
      }
      // a child row is removed through its parent, so the parent's on_update runs
      const [parent, child] = childRow(env, ctx, meta.name, String(a.name));
      const field = String(child.parentfield);
      env.docs.update(parent, { [field]: ((parent[field] as Row[]) ?? []).filter((r) => r.name !== child.name) });
      env.docs.save(parent);
      return null;
    },
  },
  'frappe.ping': { params: [], allowGuest: true, run: () => 'pong' },
  'frappe.handler.ping': { params: [], allowGuest: true, run: () => 'pong' },
  'frappe.handler.version': { params: [], allowGuest: true, run: (env) => env.version },
  'frappe.handler.logout': { params: [], allowGuest: true, run: (env, ctx) => (env.auth.logout(ctx), null) },
  'frappe.handler.upload_file': { params: [], allowGuest: true, run: (env, ctx) => uploadFile(env, ctx) },
};

