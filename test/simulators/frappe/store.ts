import { getMeta } from './doctypes.js';
import { columnType, FLOAT_TYPES, INT_TYPES, tableFields, validColumns, type DocTypeMeta } from './meta.js';
import { PyDict, PyFloat, type PyValue } from './python-json.js';
import type { Row } from './types.js';

/**
 * The site's database: one table per DocType (child rows kept inside their parent), the naming
 * series counters (tabSeries) and uploaded file contents. Writes go through a journal so a request
 * that fails - or any GET, which app.py's sync_database rolls back - leaves nothing behind, and
 * webhooks (queued "after commit") only fire for committed writes.
 */
export class Store {
  private readonly tables = new Map<string, Map<string, Row>>();
  private readonly series = new Map<string, number>();
  readonly files = new Map<string, { content: Buffer; isPrivate: boolean }>();
  private journal: Array<() => void> | null = null;
  private lastMicros = 0;

  constructor(readonly clock: () => Date) {}

  /**
   * frappe.utils.now(): "YYYY-MM-DD HH:MM:SS.ffffff", strictly increasing so two saves never share a
   * `modified`. The microseconds are never all zero: MariaDB reads such a value back as a datetime
   * whose str() drops ".000000", and check_if_latest compares strings - a Frappe quirk that is one in
   * a million with real microseconds but would hit every test using a whole-second clock.
   */
  now(): string {
    let micros = this.clock().getTime() * 1000;
    if (micros <= this.lastMicros) micros = this.lastMicros + 1;
    if (micros % 1_000_000 === 0) micros += 1;
    this.lastMicros = micros;
    const date = new Date(Math.floor(micros / 1000));
    return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  today(): string {
    return this.clock().toISOString().slice(0, 10);
  }

  begin(): void {
    this.journal = [];
  }

  commit(): void {
    this.journal = null;
  }

  rollback(): void {
    const undo = this.journal ?? [];
    this.journal = null;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }

  private table(doctype: string): Map<string, Row> {
    let table = this.tables.get(doctype);
    if (!table) this.tables.set(doctype, (table = new Map()));
    return table;
  }

  exists(doctype: string, name: string): boolean {
    return this.table(doctype).has(name);
  }

  /** The stored row itself: callers must not change it (use load for a copy to work on). */
  peek(doctype: string, name: string): Row | undefined {
    return this.table(doctype).get(name);
  }

  /** A working copy as frappe.get_doc loads it: datetimes as Python's str(datetime) prints them. */
  load(doctype: string, name: string): Row | undefined {
    const row = this.peek(doctype, name);
    return row ? fromDb(doctype, structuredClone(row)) : undefined;
  }

  rows(doctype: string): Row[] {
    return [...this.table(doctype).values()];
  }

  put(doctype: string, row: Row): void {
    const table = this.table(doctype);
    const name = String(row.name);
    const before = table.get(name);
    this.journal?.push(() => (before ? table.set(name, before) : table.delete(name)));
    table.set(name, structuredClone(row));
  }

  remove(doctype: string, name: string): void {
    const table = this.table(doctype);
    const before = table.get(name);
    if (!before) return;
    this.journal?.push(() => table.set(name, before));
    table.delete(name);
  }

  /** getseries(): the next number for a series prefix (tabSeries), rolled back with the request. */
  nextSeries(key: string): number {
    const current = (this.series.get(key) ?? 0) + 1;
    this.journal?.push(() => (current === 1 ? this.series.delete(key) : this.series.set(key, current - 1)));
    this.series.set(key, current);
    return current;
  }

  putFile(url: string, content: Buffer, isPrivate: boolean): void {
    const before = this.files.get(url);
    this.journal?.push(() => (before ? this.files.set(url, before) : this.files.delete(url)));
    this.files.set(url, { content, isPrivate });
  }
}

/** Python's str(datetime) leaves out the fraction when it is zero: "2026-01-05 10:00:00", not ".000000". */
export function dbDatetime(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.0{6}$/, '$1') : value;
}

function fromDb(doctype: string, row: Row): Row {
  const meta = getMeta(doctype);
  if (!meta) return row;
  for (const column of validColumns(meta)) if (columnType(meta, column) === 'Datetime') row[column] = dbDatetime(row[column]);
  for (const tf of tableFields(meta)) {
    const children = row[tf.fieldname];
    if (Array.isArray(children)) row[tf.fieldname] = children.map((child: Row) => fromDb(tf.options!, child));
  }
  return row;
}

/** A column's value as Python holds it after get_valid_dict: Float/Currency as float, Int/Check as int. */
export function typed(meta: DocTypeMeta, column: string, value: unknown): PyValue {
  const type = columnType(meta, column);
  // Numeric columns are NOT NULL DEFAULT 0 (get_valid_dict casts None to 0 on the way in).
  if ((value === null || value === undefined) && !(type && (FLOAT_TYPES.has(type) || INT_TYPES.has(type)))) return null;
  if (type && FLOAT_TYPES.has(type)) return new PyFloat(Number(value) || 0);
  if (type && INT_TYPES.has(type)) return Math.trunc(Number(value) || 0);
  return value as PyValue;
}

/**
 * BaseDocument.as_dict: the valid columns in order (doctype first), then each child table as a
 * list of its rows' as_dict. With `noNulls` (what the v1 resource API sends, through json_handler)
 * None values are left out, in child rows too.
 */
export function asDict(meta: DocTypeMeta, row: Row, options: { noNulls?: boolean } = {}): PyDict {
  const out = new PyDict();
  for (const column of validColumns(meta)) {
    const value = column === 'doctype' ? meta.name : typed(meta, column, row[column]);
    if (value === null && options.noNulls) continue;
    out.set(column, value);
  }
  for (const tf of tableFields(meta)) {
    const childMeta = getMeta(tf.options!)!;
    const children = Array.isArray(row[tf.fieldname]) ? (row[tf.fieldname] as Row[]) : [];
    out.set(tf.fieldname, children.map((child) => asDict(childMeta, child, options)));
  }
  return out;
}
