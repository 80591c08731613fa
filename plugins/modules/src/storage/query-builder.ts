import type { Dialect, SqlParam } from '@dogan/tenants';
import { ModuleErrors } from '../errors.js';

/** A module's query: `{ where, sort, limit, cursor }` (see the SDK's `StorageQuery`). */
export interface StorageQuery {
  where?: unknown;
  sort?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const OPERATORS: Record<string, string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const MAX_CONDITIONS = 50;
const MAX_DEPTH = 5;
const MAX_IN = 100;

const invalid = (why: string) => ModuleErrors.MODULE_STORAGE_INVALID(why);
const isScalar = (v: unknown): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/**
 * Turns the filter language into SQL over `module_documents`. Field names are checked against a
 * pattern (and the collection's declared properties) and become JSON paths; every value is a bound
 * parameter. The module never writes SQL and cannot leave its module and collection.
 */
export class QueryBuilder {
  private conditions = 0;
  readonly params: SqlParam[] = [];

  constructor(
    private readonly dialect: Dialect,
    private readonly fields: ReadonlySet<string> | undefined,
  ) {}

  field(name: unknown): string {
    if (typeof name !== 'string' || !FIELD.test(name)) throw invalid(`"${String(name).slice(0, 70)}" is not a field name`);
    if (name === 'id') return 'id';
    if (this.fields && !this.fields.has(name)) throw invalid(`field "${name}" is not declared in the collection's schema`);
    return this.dialect === 'postgresql' ? `(data->'${name}')` : `json_extract(data, '$.${name}')`;
  }

  value(v: unknown, column: string): string {
    if (!isScalar(v)) throw invalid('filter values must be strings, numbers, booleans or null');
    if (column === 'id') {
      this.params.push(String(v));
      return '?';
    }
    if (this.dialect === 'postgresql') {
      this.params.push(JSON.stringify(v));
      return '?::jsonb';
    }
    this.params.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return '?';
  }

  where(node: unknown, depth = 0): string {
    if (node === undefined || node === null) return '1=1';
    if (depth > MAX_DEPTH) throw invalid(`filters nest at most ${MAX_DEPTH} deep`);
    if (typeof node !== 'object' || Array.isArray(node)) throw invalid('"where" must be an object');
    const parts: string[] = [];
    for (const [key, spec] of Object.entries(node)) {
      if (++this.conditions > MAX_CONDITIONS) throw invalid(`at most ${MAX_CONDITIONS} conditions`);
      if (key === 'and' || key === 'or') {
        if (!Array.isArray(spec) || spec.length === 0) throw invalid(`"${key}" takes a non-empty array`);
        parts.push(`(${spec.map((s) => this.where(s, depth + 1)).join(key === 'and' ? ' AND ' : ' OR ')})`);
      } else {
        parts.push(this.condition(key, spec));
      }
    }
    return parts.length ? parts.join(' AND ') : '1=1';
  }

  private condition(name: string, spec: unknown): string {
    const column = this.field(name);
    if (spec === null) return `${column} IS NULL`;
    if (typeof spec !== 'object' || Array.isArray(spec)) return `${column} = ${this.value(spec, column)}`;
    const parts: string[] = [];
    for (const [op, v] of Object.entries(spec as Record<string, unknown>)) {
      if (op === 'in') {
        if (!Array.isArray(v) || v.length === 0 || v.length > MAX_IN) throw invalid(`"in" takes 1 to ${MAX_IN} values`);
        parts.push(`${column} IN (${v.map((x) => this.value(x, column)).join(', ')})`);
      } else if (OPERATORS[op]) {
        parts.push(`${column} ${OPERATORS[op]} ${this.value(v, column)}`);
      } else {
        throw invalid(`unknown operator "${op.slice(0, 20)}"; use eq, ne, gt, gte, lt, lte or in`);
      }
    }
    if (parts.length === 0) throw invalid(`no operator for field "${name}"`);
    return parts.join(' AND ');
  }
}

export interface Page {
  sql: string;
  params: SqlParam[];
  limit: number;
  sortField: string | undefined;
}

/** Keyset pagination: the cursor is the last row's sort value and id, so pages stay stable under inserts. */
export function buildQuery(dialect: Dialect, fields: ReadonlySet<string> | undefined, moduleId: string, collection: string, query: StorageQuery, maxLimit: number): Page {
  const q = new QueryBuilder(dialect, fields);
  const params: SqlParam[] = [moduleId, collection];
  const filter = q.where(query.where);
  params.push(...q.params);
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw invalid(`"limit" must be an integer from 1 to ${maxLimit}`);
  let sortField: string | undefined;
  let desc = false;
  if (query.sort !== undefined) {
    if (typeof query.sort !== 'string') throw invalid('"sort" is a field name, "-field" for descending');
    desc = query.sort.startsWith('-');
    sortField = desc ? query.sort.slice(1) : query.sort;
  }
  const sortColumn = sortField && sortField !== 'id' ? new QueryBuilder(dialect, fields).field(sortField) : undefined;
  let keyset = '';
  if (query.cursor !== undefined && query.cursor !== null) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(String(query.cursor), 'base64url').toString('utf8'));
    } catch {
      throw invalid('"cursor" is not a cursor this platform returned');
    }
    if (!Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[1] !== 'string') throw invalid('"cursor" is not a cursor this platform returned');
    const cmp = desc ? '<' : '>';
    if (sortColumn && decoded[0] === null) {
      // The last row had no value: the rest of the missing values (by id), then, ascending, every value.
      keyset = ` AND ((${sortColumn} IS NULL AND id ${cmp} ?)${desc ? '' : ` OR ${sortColumn} IS NOT NULL`})`;
      params.push(decoded[1]);
    } else if (sortColumn) {
      const k = new QueryBuilder(dialect, fields);
      const a = k.value(decoded[0], sortColumn);
      const b = k.value(decoded[0], sortColumn);
      // Descending, the missing values come after every value.
      keyset = ` AND (${sortColumn} ${cmp} ${a} OR (${sortColumn} = ${b} AND id ${cmp} ?)${desc ? ` OR ${sortColumn} IS NULL` : ''})`;
      params.push(...k.params, decoded[1]);
    } else {
      keyset = ` AND id ${cmp} ?`;
      params.push(decoded[1]);
    }
  }
  const dir = desc ? 'DESC' : 'ASC';
  // Missing values sort as the smallest on both dialects (SQLite's default; PostgreSQL's is the reverse).
  const order = sortColumn ? `${sortColumn} ${dir} ${desc ? 'NULLS LAST' : 'NULLS FIRST'}, id ${dir}` : `id ${dir}`;
  const sql = `SELECT id, data FROM module_documents WHERE module_id = ? AND collection = ? AND (${filter})${keyset} ORDER BY ${order} LIMIT ${limit + 1}`;
  return { sql, params, limit, sortField: sortColumn ? sortField : undefined };
}
