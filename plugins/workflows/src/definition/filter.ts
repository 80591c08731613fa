import { WorkflowDefinitionErrors as E } from './definition-errors.js';
import { pointer } from './json-pointer.js';
import { isWholeReference, parseReference, readPath, resolveValue } from './references.js';
import type { EventFilter } from './types.js';

/**
 * The filter language of event triggers and condition steps: `{ "<path>": condition, ... }`, every path
 * must satisfy its condition. A path is a reference read in the subject (the event for a trigger, the
 * run scope for a condition); a path that leads nowhere reads null. A condition is a literal (the value
 * must equal it, deeply) or an object of one or more operators, all of which must hold. Operands may be
 * references too, read in the same subject (`{ "$.steps.total.output": { "gt": "$.vars.limit" } }`).
 * No coercion: "100" is not 100, and an ordering operator between a number and a string is false.
 */

const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists', 'contains', 'startsWith'] as const;
type Operator = (typeof OPERATORS)[number];
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);
const OPERATOR_LIST = OPERATORS.join(', ');

/** What each operator's operand must be, as a check and the words for a message. */
const OPERANDS: Record<Operator, { readonly ok: (v: unknown) => boolean; readonly what: string }> = {
  eq: { ok: () => true, what: 'any value' },
  ne: { ok: () => true, what: 'any value' },
  gt: { ok: isOrderable, what: 'a number or a string' },
  gte: { ok: isOrderable, what: 'a number or a string' },
  lt: { ok: isOrderable, what: 'a number or a string' },
  lte: { ok: isOrderable, what: 'a number or a string' },
  in: { ok: Array.isArray, what: 'an array' },
  nin: { ok: Array.isArray, what: 'an array' },
  exists: { ok: (v) => typeof v === 'boolean', what: 'true or false' },
  contains: { ok: () => true, what: 'any value' },
  startsWith: { ok: (v) => typeof v === 'string', what: 'a string' },
};

function isOrderable(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function compare(value: unknown, operand: unknown, holds: (order: number) => boolean): boolean {
  if (typeof value === 'number' && typeof operand === 'number') return holds(value - operand);
  if (typeof value === 'string' && typeof operand === 'string') return holds(value < operand ? -1 : value > operand ? 1 : 0);
  return false;
}

function holds(op: Operator, value: unknown, operand: unknown): boolean {
  switch (op) {
    case 'eq':
      return jsonEqual(value, operand);
    case 'ne':
      return !jsonEqual(value, operand);
    case 'gt':
      return compare(value, operand, (o) => o > 0);
    case 'gte':
      return compare(value, operand, (o) => o >= 0);
    case 'lt':
      return compare(value, operand, (o) => o < 0);
    case 'lte':
      return compare(value, operand, (o) => o <= 0);
    case 'in':
      return Array.isArray(operand) && operand.some((o) => jsonEqual(value, o));
    case 'nin':
      return Array.isArray(operand) && !operand.some((o) => jsonEqual(value, o));
    case 'exists':
      return (value !== null) === operand;
    case 'contains':
      if (typeof value === 'string') return typeof operand === 'string' && value.includes(operand);
      return Array.isArray(value) && value.some((v) => jsonEqual(v, operand));
    case 'startsWith':
      return typeof value === 'string' && typeof operand === 'string' && value.startsWith(operand);
  }
}

/**
 * Checks a filter when a definition is saved: an object of at least one path, every path a valid
 * reference, every condition a literal or known operators with fitting operands. Which roots a path
 * may start with is the caller's rule (the event's fields for a trigger, the run scope for a condition).
 * Throws WORKFLOW_FILTER_INVALID or WORKFLOW_REFERENCE_INVALID naming the pointer of what is wrong.
 */
export function checkFilter(filter: unknown, path: string): asserts filter is EventFilter {
  if (!isPlainObject(filter)) throw E.WORKFLOW_FILTER_INVALID.with({ path }, path, 'is not an object of paths and conditions', OPERATOR_LIST);
  const entries = Object.entries(filter);
  if (entries.length === 0) throw E.WORKFLOW_FILTER_INVALID.with({ path }, path, 'has no path; give at least one, such as {"$.payload.status": "paid"}', OPERATOR_LIST);
  for (const [key, condition] of entries) {
    const at = pointer(path, key);
    parseReference(key, at);
    if (Array.isArray(condition)) throw E.WORKFLOW_FILTER_INVALID.with({ path: at }, at, 'has an array as its condition; use {"in": [...]} for one of several values, or {"eq": [...]} for this array', OPERATOR_LIST);
    if (!isPlainObject(condition)) continue;
    const ops = Object.entries(condition);
    if (ops.length === 0) throw E.WORKFLOW_FILTER_INVALID.with({ path: at }, at, 'has an empty condition', OPERATOR_LIST);
    for (const [op, operand] of ops) {
      const opAt = pointer(at, op);
      if (!OPERATOR_SET.has(op)) throw E.WORKFLOW_FILTER_INVALID.with({ path: opAt, operator: op }, opAt, `uses the unknown operator "${op}"`, OPERATOR_LIST);
      const rule = OPERANDS[op as Operator];
      const reference = typeof operand === 'string' && isWholeReference(operand) && op !== 'exists';
      if (!reference && !rule.ok(operand)) throw E.WORKFLOW_FILTER_INVALID.with({ path: opAt, operator: op }, opAt, `gives "${op}" ${JSON.stringify(operand) ?? 'nothing'}; it takes ${rule.what}`, OPERATOR_LIST);
    }
  }
}

/**
 * True when every path of the filter, read in `subject`, satisfies its condition. Pass the filter as
 * saved (a condition step's `if` unresolved): references among the operands are read here, in `subject`,
 * once; resolving the filter first would read a value that came from data as a reference. `exists: true`
 * holds for any value but null (a path that leads nowhere reads null). Throws WORKFLOW_FILTER_INVALID for
 * a filter checkFilter would have refused.
 */
export function matchesFilter(filter: EventFilter, subject: unknown): boolean {
  for (const [path, saved] of Object.entries(filter)) {
    const value = readPath(subject, parseReference(path, pointer('', path)));
    const condition = resolveValue(saved, subject as Readonly<Record<string, unknown>>);
    if (!isPlainObject(condition)) {
      if (!jsonEqual(value, condition)) return false;
      continue;
    }
    for (const [op, operand] of Object.entries(condition)) {
      if (!OPERATOR_SET.has(op)) throw E.WORKFLOW_FILTER_INVALID.with({ path: pointer('', path, op), operator: op }, pointer('', path, op), `uses the unknown operator "${op}"`, OPERATOR_LIST);
      if (!holds(op as Operator, value, operand)) return false;
    }
  }
  return true;
}
