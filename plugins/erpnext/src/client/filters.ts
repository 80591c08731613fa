import { ErpnextErrors } from '../errors.js';

/**
 * Every operator Frappe's filter parser accepts (`frappe.utils.data.get_filter`'s list, which both
 * `db_query` (v1) and the query builder (v2) go through, plus the nested-set `descendants of
 * (inclusive)` of recent versions). Frappe compares them lower-cased.
 */
export const FILTER_OPERATORS = [
  '=',
  '!=',
  '>',
  '<',
  '>=',
  '<=',
  'like',
  'not like',
  'in',
  'not in',
  'is',
  'between',
  'descendants of',
  'descendants of (inclusive)',
  'ancestors of',
  'not descendants of',
  'not ancestors of',
  'timespan',
  'previous',
  'next',
] as const;

export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type FilterScalar = string | number | boolean | null;

/** `[field, operator, value]`, or `[doctype, field, operator, value]` for a child table's field. */
export type FilterCondition = [string, FilterOperator, unknown] | [string, string, FilterOperator, unknown];

/** Frappe's two filter forms: a list of conditions, or `{ field: value }` / `{ field: [operator, value] }`. */
export type Filters = FilterCondition[] | Record<string, unknown>;

const OPERATORS = new Set<string>(FILTER_OPERATORS);
/** Bounds for filters that arrive from API clients and modules: Frappe would take more, our tenants' sites should not have to. */
const MAX_CONDITIONS = 100;
const MAX_LIST_VALUES = 1000;
const MAX_STRING = 1000;
/**
 * Field names as Frappe's `sanitize_column` lets them through, narrowed: word characters, spaces,
 * dots and hyphens, with backticks only around a `tabDoctype` prefix. No quotes, commas, parentheses
 * or semicolons, which is what Frappe refuses as SQL.
 */
const FIELD = /^(?:`tab[\w -]{1,140}`\.)?[A-Za-z_][\w .-]{0,139}$/;
const DOCTYPE = /^[\w][\w -]{0,139}$/;

function invalid(where: string, why: string): never {
  throw ErpnextErrors.ERPNEXT_FILTER_INVALID(`${where}: ${why}`);
}

function isScalar(v: unknown): v is FilterScalar {
  return v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_STRING);
}

function checkField(field: unknown, where: string): string {
  if (typeof field !== 'string' || !FIELD.test(field)) invalid(where, `the field ${JSON.stringify(field)?.slice(0, 80)} is not a field name`);
  return field;
}

function checkOperator(op: unknown, where: string): FilterOperator {
  const lower = typeof op === 'string' ? op.toLowerCase() : '';
  if (!OPERATORS.has(lower)) invalid(where, `the operator ${JSON.stringify(op)?.slice(0, 40)} is not one of ${FILTER_OPERATORS.join(', ')}`);
  return lower as FilterOperator;
}

/** The value each operator can use, so a malformed one fails here and not as a 417 from the site. */
function checkValue(op: FilterOperator, value: unknown, where: string): unknown {
  switch (op) {
    case 'in':
    case 'not in':
      if (typeof value === 'string' && value.length <= MAX_STRING) return value;
      if (!Array.isArray(value) || value.length > MAX_LIST_VALUES || !value.every(isScalar)) invalid(where, `"${op}" takes a list of at most ${MAX_LIST_VALUES} values`);
      return value;
    case 'between':
      if (!Array.isArray(value) || value.length !== 2 || !value.every(isScalar)) invalid(where, '"between" takes a list of two values');
      return value;
    case 'is':
      if (value !== 'set' && value !== 'not set') invalid(where, '"is" takes "set" or "not set"');
      return value;
    case 'like':
    case 'not like':
    case 'timespan':
    case 'previous':
    case 'next':
    case 'descendants of':
    case 'descendants of (inclusive)':
    case 'ancestors of':
    case 'not descendants of':
    case 'not ancestors of':
      if (typeof value !== 'string' || value.length > MAX_STRING) invalid(where, `"${op}" takes a text value`);
      return value;
    default:
      if (!isScalar(value)) invalid(where, `"${op}" takes one text, number or boolean value`);
      return value;
  }
}

function checkCondition(c: unknown, where: string): FilterCondition {
  if (!Array.isArray(c) || (c.length !== 3 && c.length !== 4)) invalid(where, 'a condition is [field, operator, value] or [doctype, field, operator, value]');
  if (c.length === 4) {
    if (typeof c[0] !== 'string' || !DOCTYPE.test(c[0])) invalid(where, `the doctype ${JSON.stringify(c[0])?.slice(0, 80)} is not a doctype name`);
    const op = checkOperator(c[2], where);
    return [c[0], checkField(c[1], where), op, checkValue(op, c[3], where)];
  }
  const op = checkOperator(c[1], where);
  return [checkField(c[0], where), op, checkValue(op, c[2], where)];
}

/**
 * Checks filters from an untrusted caller (an API client, a module, an agent) and answers them in the
 * form Frappe takes, operators lower-cased. Throws ERPNEXT_FILTER_INVALID (400) for an unknown
 * operator, a field name Frappe would refuse, a value the operator cannot use, or any other shape.
 * `undefined` and `null` are no filters.
 */
export function validateFilters(f: unknown): Filters {
  if (f === undefined || f === null) return [];
  if (Array.isArray(f)) {
    if (f.length > MAX_CONDITIONS) invalid('list', `at most ${MAX_CONDITIONS} conditions`);
    return f.map((c, i) => checkCondition(c, `at [${i}]`));
  }
  const proto: unknown = typeof f === 'object' ? Object.getPrototypeOf(f) : undefined;
  if (proto !== Object.prototype && proto !== null) invalid('value', 'filters are a list or an object');
  const entries = Object.entries(f as Record<string, unknown>);
  if (entries.length > MAX_CONDITIONS) invalid('object', `at most ${MAX_CONDITIONS} conditions`);
  const out: Record<string, unknown> = {};
  for (const [field, value] of entries) {
    const where = `at ${JSON.stringify(field).slice(0, 80)}`;
    checkField(field, where);
    if (Array.isArray(value)) {
      // Frappe reads any list value of the object form as [operator, value] (`make_filter_tuple`).
      if (value.length !== 2) invalid(where, 'a list value is [operator, value]');
      const op = checkOperator(value[0], where);
      out[field] = [op, checkValue(op, value[1], where)];
    } else {
      out[field] = checkValue('=', value, where);
    }
  }
  return out;
}

/** True when there is nothing to filter on, so the parameter can be left out of the request. */
export function isEmptyFilters(f: Filters | undefined): boolean {
  return f === undefined || (Array.isArray(f) ? f.length === 0 : Object.keys(f).length === 0);
}
