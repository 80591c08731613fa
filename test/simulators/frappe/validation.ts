import { frappeThrow, msgprint, raise, type Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import { tableFields, type DocTypeMeta } from './meta.js';
import { dumps, pyStr } from './python-json.js';
import { typed, type Store } from './store.js';
import type { Row } from './types.js';

/**
 * The checks Document._validate and friends run, with Frappe's exact messages (model/document.py,
 * model/base_document.py) since clients show them to people:
 *  - mandatory: each missing field is msgprint-ed ("Error: Value missing for ToDo: Description",
 *    "Error: Data missing in table Items", "Error: <strong>Sales Order Item</strong> Row #1: Value
 *    missing for: Item Code"), then MandatoryError("[ToDo, <name>]: description") - 417;
 *  - selects: ' Status cannot be "X". It should be one of "Open", "Closed", "Cancelled"' (title
 *    "Invalid Selection"), a ValidationError;
 *  - links: "Could not find Customer: X" (LinkValidationError), "Cannot link cancelled document: ...";
 *  - update after submit: " Not allowed to change <strong>Customer</strong> after submission from
 *    <strong>A</strong> to <strong>B</strong>" (UpdateAfterSubmitError) for fields without allow_on_submit.
 */
export type Action = 'save' | 'submit' | 'update_after_submit' | 'cancel';

const stripHtml = (text: string): string => text.replace(/<[^>]*>/g, '');

function missingFields(meta: DocTypeMeta, doc: Row, isChild: boolean): Array<[string, string]> {
  const missing: Array<[string, string]> = [];
  for (const df of meta.fields) {
    if (!df.reqd) continue;
    const value = doc[df.fieldname];
    const empty = value === null || value === undefined || (Array.isArray(value) ? value.length === 0 : !stripHtml(String(value)).trim());
    if (!empty) continue;
    const message = df.fieldtype === 'Table'
      ? `Error: Data missing in table ${df.label}`
      : isChild
        ? `Error: <strong>${meta.name}</strong> Row #${String(doc.idx)}: Value missing for: ${df.label}`
        : `Error: Value missing for ${meta.name}: ${df.label}`;
    missing.push([df.fieldname, message]);
  }
  return missing;
}

export function validateMandatory(ctx: Ctx, meta: DocTypeMeta, doc: Row): void {
  const missing = missingFields(meta, doc, false);
  for (const tf of tableFields(meta)) for (const child of (doc[tf.fieldname] as Row[]) ?? []) missing.push(...missingFields(getMeta(tf.options!)!, child, true));
  if (!missing.length) return;
  for (const [, message] of missing) msgprint(ctx, message);
  raise('MandatoryError', `[${meta.name}, ${String(doc.name)}]: ${missing.map(([fieldname]) => fieldname).join(', ')}`);
}

export function validateSelects(ctx: Ctx, meta: DocTypeMeta, doc: Row): void {
  const check = (m: DocTypeMeta, d: Row, prefix: string): void => {
    for (const df of m.fields) {
      if (df.fieldtype !== 'Select' || df.fieldname === 'naming_series' || !df.options) continue;
      const options = df.options.split('\n');
      const value = d[df.fieldname] === null || d[df.fieldname] === undefined ? '' : String(d[df.fieldname]).trim();
      d[df.fieldname] = value;
      if (!options.includes(value)) {
        frappeThrow(ctx, `${prefix} ${df.label} cannot be "${value}". It should be one of "${options.join('", "')}"`, 'ValidationError', 'Invalid Selection');
      }
    }
  };
  check(meta, doc, '');
  for (const tf of tableFields(meta)) for (const child of (doc[tf.fieldname] as Row[]) ?? []) check(getMeta(tf.options!)!, child, `Row #${String(child.idx)}:`);
}

/** _validate_links: Link fields pointing at simulated DocTypes must name an existing, non-cancelled document. */
export function validateLinks(ctx: Ctx, store: Store, meta: DocTypeMeta, doc: Row): void {
  const invalid: string[] = [];
  const cancelled: string[] = [];
  const scan = (m: DocTypeMeta, d: Row, prefix: string): void => {
    for (const df of m.fields) {
      const target = df.fieldtype === 'Link' ? getMeta(df.options ?? '') : undefined;
      const value = d[df.fieldname];
      if (!target || target.istable || target.name === 'File' || value === null || value === undefined || value === '') continue;
      const linked = store.peek(target.name, String(value));
      const label = `${prefix}${df.label}: ${String(value)}`;
      if (!linked) invalid.push(label);
      else if (target.isSubmittable && Number(linked.docstatus) === 2 && df.fieldname !== 'amended_from') cancelled.push(label);
    }
  };
  scan(meta, doc, '');
  for (const tf of tableFields(meta)) for (const child of (doc[tf.fieldname] as Row[]) ?? []) scan(getMeta(tf.options!)!, child, `Row #${String(child.idx)}: `);
  if (invalid.length) frappeThrow(ctx, `Could not find ${invalid.join(', ')}`, 'LinkValidationError');
  if (cancelled.length) frappeThrow(ctx, `Cannot link cancelled document: ${cancelled.join(', ')}`, 'CancelledLinkError');
}

/** _validate_update_after_submit, for the document and for each of its existing child rows. */
export function validateUpdateAfterSubmit(ctx: Ctx, meta: DocTypeMeta, doc: Row, stored: Row): void {
  const check = (m: DocTypeMeta, d: Row, db: Row, prefix: string): void => {
    for (const df of m.fields) {
      if (df.allowOnSubmit) continue;
      const now = d[df.fieldname];
      const before = db[df.fieldname];
      if (!now && !before) continue;
      let a: string;
      let b: string;
      if (df.fieldtype === 'Table') [a, b] = [String((now as Row[] | undefined)?.length ?? 0), String((before as Row[] | undefined)?.length ?? 0)];
      else [a, b] = [dumps(typed(m, df.fieldname, now)), dumps(typed(m, df.fieldname, before))];
      if (a === b) continue;
      const shown = (v: unknown): string => (df.fieldtype === 'Table' ? String((v as Row[] | undefined)?.length ?? 0) : pyStr(typed(m, df.fieldname, v)));
      frappeThrow(
        ctx,
        `${prefix} Not allowed to change <strong>${df.label}</strong> after submission from <strong>${shown(before)}</strong> to <strong>${shown(now)}</strong>`,
        'UpdateAfterSubmitError',
        'Cannot Update After Submit',
      );
    }
  };
  check(meta, doc, stored, '');
  for (const tf of tableFields(meta)) {
    const childMeta = getMeta(tf.options!)!;
    for (const child of (doc[tf.fieldname] as Row[]) ?? []) {
      const db = ((stored[tf.fieldname] as Row[]) ?? []).find((r) => r.name === child.name);
      if (db) check(childMeta, child, db, `Row #${String(child.idx)}:`);
    }
  }
}

/** check_if_doc_is_linked for a delete: any document (or child row) whose Link field points at it. */
export function findLinkingDocument(store: Store, doctype: string, name: string): [string, string] | undefined {
  for (const other of ['Sales Order', 'Sales Invoice', 'Customer', 'Item', 'ToDo', 'Note', 'Task']) {
    const meta = getMeta(other)!;
    for (const row of store.rows(other)) {
      if (other === doctype && row.name === name) continue;
      const linked = meta.fields.some((df) => df.fieldtype === 'Link' && df.options === doctype && row[df.fieldname] === name);
      const childLinked = tableFields(meta).some((tf) =>
        ((row[tf.fieldname] as Row[]) ?? []).some((child) => getMeta(tf.options!)!.fields.some((df) => df.fieldtype === 'Link' && df.options === doctype && child[df.fieldname] === name)),
      );
      if (linked || childLinked) return [other, String(row.name)];
    }
  }
  return undefined;
}
