import { frappeThrow, raise, type Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import { CHILD_FIELDS, columnType, DEFAULT_FIELDS, FLOAT_TYPES, INT_TYPES, OPTIONAL_FIELDS, tableFields, type FieldType } from './meta.js';

/**
 * Filters as frappe.get_list reads them (frappe/model/db_query.py, frappe/utils/data.py get_filter):
 *  - JSON text (from a query string) or already-parsed values;
 *  - a dict `{field: value}` ("=") or `{field: [op, value]}`;
 *  - a list of `[field, op, value]`, `[doctype, field, op, value]` (a child DocType filters the
 *    parent by its rows) or `[field, value]`.
 * Operators: = != > < >= <= like, not like, in, not in (list or comma-separated text), is
 * ("set"/"not set"), between ([from, to]; dates widen `to` to the end of the day). Anything else
 * Frappe accepts (timespan, previous, next, ancestors of ...) is refused as unsupported here.
 *
 * SQL semantics kept: comparisons go through `ifnull(column, '')` so NULL equals '' and matches
 * `!=`/`not in`/`not like`; text compares as MariaDB's utf8mb4_unicode_ci does (case- and
 * accent-insensitive, trailing spaces ignored); LIKE uses % and _ with \ escaping.
 */
export interface Condition {
  doctype: string;
  fieldname: string;
  operator: string;
  value: unknown;
}

const OPERATORS = [
  '=', '!=', '>', '<', '>=', '<=', 'like', 'not like', 'in', 'not in', 'is', 'between', 'timespan', 'previous', 'next',
  'descendants of (inclusive)', 'ancestors of', 'descendants of', 'not ancestors of', 'not descendants of',
];
const SUPPORTED = new Set(OPERATORS.slice(0, 12));

/** json.loads of a query-string argument; a JSONDecodeError is a 500 in Frappe. */
export function jsonArg(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return raise('JSONDecodeError', 'Expecting value: line 1 column 1 (char 0)');
  }
}

function tuple(doctype: string, item: unknown): [string, string, string, unknown] {
  if (Array.isArray(item)) {
    if (item.length === 4) return [String(item[0]), String(item[1]), String(item[2]), item[3]];
    if (item.length === 3) return [doctype, String(item[0]), String(item[1]), item[2]];
    if (item.length === 2) return [doctype, String(item[0]), '=', item[1]];
  }
  return raise('ValueError', `Invalid filter: ${JSON.stringify(item)}`);
}

export function parseFilters(ctx: Ctx, raw: unknown, doctype: string): Condition[] {
  const filters = jsonArg(raw);
  if (!filters) return [];
  const tuples: Array<[string, string, string, unknown]> = [];
  const fromDict = (dict: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(dict)) {
      tuples.push(Array.isArray(value) ? [doctype, key, String(value[0]), value[1]] : [doctype, key, '=', value]);
    }
  };
  if (Array.isArray(filters)) {
    for (const item of filters) {
      if (item && typeof item === 'object' && !Array.isArray(item)) fromDict(item as Record<string, unknown>);
      else tuples.push(tuple(doctype, item));
    }
  } else if (typeof filters === 'object') fromDict(filters as Record<string, unknown>);
  return tuples.map(([dt, fieldname, operator, value]) => {
    if (!OPERATORS.includes(operator.toLowerCase())) frappeThrow(ctx, `Operator must be one of ${OPERATORS.join(', ')}`);
    if (!SUPPORTED.has(operator.toLowerCase())) frappeThrow(ctx, `The simulator does not support the "${operator}" filter operator`);
    let target = dt;
    // get_filter: a field the parent lacks is looked for in its child tables.
    const meta = getMeta(dt);
    if (meta && !columnType(meta, fieldname) && ![...DEFAULT_FIELDS, ...OPTIONAL_FIELDS, ...CHILD_FIELDS].includes(fieldname)) {
      target = tableFields(meta).find((tf) => getMeta(tf.options!) && columnType(getMeta(tf.options!)!, fieldname))?.options ?? dt;
    }
    return { doctype: target, fieldname, operator: operator.toLowerCase(), value };
  });
}

/** MariaDB utf8mb4_unicode_ci ordering. */
export function collate(a: string, b: string): number {
  return a.trimEnd().localeCompare(b.trimEnd(), 'en', { sensitivity: 'base' });
}

function likeRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i');
}

/** "2026-01-05" / "2026-01-05 10:00" / "...:00.5" -> "YYYY-MM-DD HH:MM:SS.ffffff", so text order is time order. */
export function normalizeDatetime(value: unknown, endOfDay = false): string {
  const text = String(value ?? '').trim();
  const m = /^(\d{4}-\d\d-\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?/.exec(text);
  if (!m) return text;
  if (!m[2]) return `${m[1]} ${endOfDay ? '23:59:59.999999' : '00:00:00.000000'}`;
  return `${m[1]} ${m[2]}:${m[3]}:${m[4] ?? '00'}.${(m[5] ?? '').padEnd(6, '0')}`;
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : String(value ?? '').split(','));

/** Does a column value satisfy the condition? `type` is the column's field type. */
export function matches(ctx: Ctx, cond: Condition, raw: unknown, type: FieldType | undefined): boolean {
  const numeric = !!type && (FLOAT_TYPES.has(type) || INT_TYPES.has(type));
  const dated = type === 'Date' || type === 'Datetime';
  const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
  const compare = (a: unknown, b: unknown): number => {
    if (numeric) return (Number(a) || 0) - (Number(b) || 0);
    if (dated && a !== '' && b !== '') return normalizeDatetime(a) < normalizeDatetime(b) ? -1 : normalizeDatetime(a) > normalizeDatetime(b) ? 1 : 0;
    return collate(text(a), text(b));
  };
  const value = raw ?? (numeric ? 0 : '');
  const equal = (b: unknown): boolean => compare(value, b) === 0;
  switch (cond.operator) {
    case '=':
      return equal(cond.value);
    case '!=':
      return !equal(cond.value);
    case '>':
      return compare(value, cond.value) > 0;
    case '<':
      return compare(value, cond.value) < 0;
    case '>=':
      return compare(value, cond.value) >= 0;
    case '<=':
      return compare(value, cond.value) <= 0;
    case 'like':
      return likeRegex(text(cond.value)).test(text(value));
    case 'not like':
      return !likeRegex(text(cond.value)).test(text(value));
    case 'in':
      return listOf(cond.value).some((v) => equal(text(v).trim()));
    case 'not in':
      return !listOf(cond.value).some((v) => equal(text(v).trim()));
    case 'is': {
      const unset = raw === null || raw === undefined || raw === '' || (numeric && Number(raw) === 0);
      if (cond.value === 'set') return !unset;
      if (cond.value === 'not set') return unset;
      return frappeThrow(ctx, `Invalid filter value for "is": ${String(cond.value)}`);
    }
    case 'between': {
      if (raw === null || raw === undefined) return false;
      const [from, to] = listOf(cond.value);
      if (dated) {
        const v = normalizeDatetime(raw);
        return v >= normalizeDatetime(from) && v <= normalizeDatetime(to ?? from, true);
      }
      return compare(value, from) >= 0 && compare(value, to) <= 0;
    }
    default:
      return false;
  }
}
