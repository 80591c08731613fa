import { raise, type Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import { columnType, dbColumns, tableFields, type DocTypeMeta } from './meta.js';
import { collate, jsonArg, matches, parseFilters, type Condition } from './filters.js';
import { checkDoctypePermission, requireMeta } from './permissions.js';
import { PyDict, type PyValue } from './python-json.js';
import { dbDatetime, typed, type Store } from './store.js';
import type { Row } from './types.js';

/**
 * frappe.get_list (frappe/model/db_query.py DatabaseQuery.execute), over the in-memory tables:
 *  - read permission on the DocType first (403 otherwise);
 *  - `fields`: JSON list, "*", or comma-separated text; default ["name"]; "a as b"; "`tabX`.`y`";
 *    "table_field.child_field" and "`tabChild DocType`.`field`" join the child rows (one row per
 *    child); "count(*)"/"count(name)" collapse to one row;
 *  - `filters` AND-ed, `or_filters` OR-ed (see filters.ts); a filter on a child DocType keeps the
 *    parents having a matching row (once each);
 *  - `order_by`: "field [asc|desc], ..."; the default (DefaultOrderBy) is the DocType's sort, `modified desc`;
 *  - `limit_start` / `limit_page_length` (0 = no limit);
 *  - rows as dicts, or lists when as_dict is false; values as the database returns them (Currency as
 *    float, datetimes as str(datetime)).
 * Unknown columns fail as MariaDB does: pymysql OperationalError 1054, a 500.
 */
export interface ListArgs {
  doctype: string;
  fields?: unknown;
  filters?: unknown;
  orFilters?: unknown;
  orderBy?: unknown;
  start?: unknown;
  pageLength?: unknown;
  asDict?: unknown;
}

interface Column {
  key: string;
  doctype: string;
  column: string;
  count?: boolean;
}

const unknownColumn = (name: string, clause: string): never => raise('OperationalError', `(1054, "Unknown column '${name}' in '${clause}'")`);

function childMetaOf(meta: DocTypeMeta, doctype: string): DocTypeMeta | undefined {
  return tableFields(meta).some((tf) => tf.options === doctype) ? getMeta(doctype) : undefined;
}

function parseField(meta: DocTypeMeta, spec: string): Column[] {
  const aliased = /^(.*?)\s+as\s+[`'"]?([^`'"\s]+)[`'"]?$/i.exec(spec.trim());
  const expr = (aliased?.[1] ?? spec).trim();
  const alias = aliased?.[2];
  const count = /^count\((.*)\)$/i.exec(expr);
  if (count) return [{ key: alias ?? expr, doctype: meta.name, column: 'name', count: true }];
  let target = meta;
  let column = expr.replace(/`/g, '');
  const dotted = /^(?:tab)?(.+)\.([^.]+)$/.exec(column);
  if (dotted) {
    const [, table, field] = dotted as unknown as [string, string, string];
    const viaTableField = tableFields(meta).find((tf) => tf.fieldname === table)?.options;
    const qualified = column.startsWith('tab') ? table : undefined;
    const doctype = viaTableField ?? qualified;
    if (!doctype) return unknownColumn(column, 'field list');
    target = doctype === meta.name ? meta : (childMetaOf(meta, doctype) ?? unknownColumn(column, 'field list'));
    column = field;
  }
  if (column === '*') return dbColumns(target).map((c) => ({ key: c, doctype: target.name, column: c }));
  if (!dbColumns(target).includes(column)) unknownColumn(dotted ? expr.replace(/`/g, '') : column, 'field list');
  return [{ key: alias ?? column, doctype: target.name, column }];
}

function parseOrder(meta: DocTypeMeta, orderBy: unknown): Array<{ column: string; desc: boolean }> {
  const text = typeof orderBy === 'string' && orderBy && orderBy !== 'KEEP_DEFAULT_ORDERING' ? orderBy : 'modified desc';
  return text.split(',').map((term) => {
    const m = /^\s*(.*?)(?:\s+(asc|desc))?\s*$/i.exec(term)!;
    const column = m[1]!.replace(/`/g, '').replace(/^tab[^.]+\./, '');
    if (!columnType(meta, column)) unknownColumn(column, 'order clause');
    return { column, desc: (m[2] ?? 'asc').toLowerCase() === 'desc' };
  });
}

function sortValue(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1; // NULL sorts first ascending in MariaDB
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collate(String(a), String(b));
}

function conditionHolds(ctx: Ctx, meta: DocTypeMeta, row: Row, cond: Condition): boolean {
  if (cond.doctype === meta.name) {
    if (!columnType(meta, cond.fieldname)) unknownColumn(`tab${meta.name}.${cond.fieldname}`, 'where clause');
    return matches(ctx, cond, row[cond.fieldname], columnType(meta, cond.fieldname));
  }
  const childMeta = childMetaOf(meta, cond.doctype);
  if (!childMeta || !columnType(childMeta, cond.fieldname)) return unknownColumn(`tab${cond.doctype}.${cond.fieldname}`, 'where clause');
  return tableFields(meta)
    .filter((tf) => tf.options === cond.doctype)
    .flatMap((tf) => (Array.isArray(row[tf.fieldname]) ? (row[tf.fieldname] as Row[]) : []))
    .some((child) => matches(ctx, cond, child[cond.fieldname], columnType(childMeta, cond.fieldname)));
}

/** The parents matching `filters` (all) and `or_filters` (any). */
function matching(ctx: Ctx, store: Store, meta: DocTypeMeta, filters: unknown, orFilters: unknown): Row[] {
  const and = parseFilters(ctx, filters, meta.name);
  const or = parseFilters(ctx, orFilters, meta.name);
  return store
    .rows(meta.name)
    .filter((row) => and.every((c) => conditionHolds(ctx, meta, row, c)) && (or.length === 0 || or.some((c) => conditionHolds(ctx, meta, row, c))));
}

export function getList(ctx: Ctx, store: Store, roles: string[], args: ListArgs): PyValue[] {
  const meta = requireMeta(ctx, roles, args.doctype);
  checkDoctypePermission(ctx, meta, roles, 'read');
  let fields = args.fields;
  if (typeof fields === 'string') {
    if (fields.trim() === '*') fields = ['*'];
    else {
      try {
        fields = JSON.parse(fields);
      } catch {
        fields = (args.fields as string).split(',').map((s) => s.trim());
      }
    }
  }
  const specs = (Array.isArray(fields) ? fields : fields ? [fields] : []).filter((s): s is string => typeof s === 'string' && s !== '');
  const columns = (specs.length ? specs : ['name']).flatMap((spec) => parseField(meta, spec));
  const order = parseOrder(meta, args.orderBy);
  const parents = matching(ctx, store, meta, args.filters, args.orFilters).sort((a, b) => {
    for (const { column, desc } of order) {
      const c = sortValue(a[column], b[column]);
      if (c) return desc ? -c : c;
    }
    return 0;
  });
  // A column of a child DocType joins its rows: one output row per child row (a LEFT JOIN).
  const joined = columns.find((c) => c.doctype !== meta.name)?.doctype;
  const tableField = joined ? tableFields(meta).find((tf) => tf.options === joined)?.fieldname : undefined;
  let rows: Array<{ parent: Row; child?: Row }> = parents.flatMap((parent) => {
    const children = tableField && Array.isArray(parent[tableField]) ? (parent[tableField] as Row[]) : [];
    return tableField && children.length ? children.map((child) => ({ parent, child })) : [{ parent }];
  });
  // count() without GROUP BY: one row, the other columns from the first row (as MariaDB answers).
  const counted = rows.length;
  if (columns.some((c) => c.count)) rows = [rows[0] ?? { parent: {} }];
  const start = Number(args.start) || 0;
  const pageLength = Number(args.pageLength) || 0;
  const page = rows.slice(start, pageLength ? start + pageLength : undefined);
  const asDict = args.asDict === undefined || args.asDict === null || !!args.asDict;
  return page.map(({ parent, child }) => {
    const values = columns.map((c): [string, PyValue] => {
      if (c.count) return [c.key, counted];
      const source = c.doctype === meta.name ? parent : child;
      if (!source) return [c.key, null]; // LEFT JOIN without a child row
      const cmeta = getMeta(c.doctype)!;
      const raw = columnType(cmeta, c.column) === 'Datetime' ? dbDatetime(source[c.column]) : source[c.column];
      return [c.key, typed(cmeta, c.column, raw)];
    });
    return asDict ? new PyDict(values) : values.map(([, v]) => v);
  });
}

/** frappe.client.get_count / reportview.get_count: the rows matching, after the read permission check. */
export function getCount(ctx: Ctx, store: Store, roles: string[], doctype: string, filters: unknown, orFilters?: unknown): number {
  const meta = requireMeta(ctx, roles, doctype);
  checkDoctypePermission(ctx, meta, roles, 'read');
  return matching(ctx, store, meta, jsonArg(filters), orFilters).length;
}

/** frappe.db.get_value(doctype, filters): matching rows, newest first, with no permission check. */
export function findRows(ctx: Ctx, store: Store, meta: DocTypeMeta, filters: unknown): Row[] {
  return matching(ctx, store, meta, filters, undefined).sort((a, b) => -sortValue(a.modified, b.modified));
}
