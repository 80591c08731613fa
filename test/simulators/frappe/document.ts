import { frappeThrow, msgprint, raise, type Ctx } from './context.js';
import { getMeta } from './doctypes.js';
import { fieldOf, tableFields, validColumns, type DocTypeMeta } from './meta.js';
import { FrappeError } from './errors.js';
import { hashName, NamingError, newName } from './naming.js';
import { checkDocPermission, notFound, requireMeta } from './permissions.js';
import type { Store } from './store.js';
import type { Row } from './types.js';
import { findLinkingDocument, validateLinks, validateMandatory, validateSelects, validateUpdateAfterSubmit, type Action } from './validation.js';

/**
 * A document's life, in the order frappe/model/document.py runs it, because the order decides which
 * error a client sees first:
 *  insert: defaults, timestamps, docstatus transition from 0 (docstatus 1 submits on insert, 2 is a
 *    DocstatusTransitionError), link validation, "create" permission, naming, controller validate,
 *    mandatory/select checks, the duplicate-name check (409), after_insert, amended_from check,
 *    on_update (+ on_submit), on_change.
 *  save: "write" permission, timestamps, check_if_latest (TimestampMismatchError when the `modified`
 *    sent differs from the stored one, compared as str(datetime)), docstatus transition from the
 *    stored docstatus (0->0 save, 0->1 submit, 1->1 update after submit, 1->2 cancel, anything else
 *    an error), links, validate, checks, update-after-submit check, then the events.
 *  delete (model/delete_doc.py): missing -> DoesNotExistError; "delete" permission; a submitted
 *    document cannot be deleted; on_trash, on_change; documents linking to it block the delete.
 * Events go to `runWebhooks`, which applies webhook/__init__.py's own event filter.
 */
export interface DocEnv {
  store: Store;
  roles: string[];
  runWebhooks(ctx: Ctx, meta: DocTypeMeta, doc: Row, method: string, inInsert: boolean): void;
}

export class Documents {
  constructor(
    private readonly ctx: Ctx,
    private readonly env: DocEnv,
  ) {}

  meta(doctype: unknown): DocTypeMeta {
    return requireMeta(this.ctx, this.env.roles, String(doctype ?? ''));
  }

  /** frappe.get_doc(doctype, name) */
  get(doctype: unknown, name: unknown): Row {
    const meta = this.meta(doctype);
    return this.env.store.load(meta.name, String(name)) ?? notFound(this.ctx, meta, this.env.roles, String(name));
  }

  /** frappe.new_doc(doctype, **data): static defaults (DocField.default, else a Select's first option), then the data. */
  newDoc(doctype: unknown, data: Row = {}): Row {
    const meta = this.meta(doctype);
    const doc: Row = { doctype: meta.name };
    this.fillDefaults(meta, doc);
    return this.update(doc, data);
  }

  /** Document.update(data): plain fields set as given, child tables replaced by the rows given. */
  update(doc: Row, data: Row): Row {
    const meta = this.meta(doc.doctype);
    for (const [key, value] of Object.entries(data)) {
      if (key === 'doctype') continue;
      const table = tableFields(meta).find((tf) => tf.fieldname === key);
      if (!table) doc[key] = value;
      else {
        const rows = (Array.isArray(value) ? value : []).filter((r): r is Row => !!r && typeof r === 'object');
        doc[key] = rows.map((r, i) => ({ ...r, doctype: table.options, parentfield: key, parenttype: meta.name, idx: r.idx || i + 1 }));
      }
    }
    return doc;
  }

  private fillDefaults(meta: DocTypeMeta, doc: Row): void {
    for (const df of meta.fields) {
      if (doc[df.fieldname] !== undefined && doc[df.fieldname] !== null) continue;
      if (df.fieldtype === 'Table') doc[df.fieldname] = [];
      else if (df.default === 'Today') doc[df.fieldname] = this.env.store.today();
      else if (df.default === 'now') doc[df.fieldname] = this.env.store.now();
      else if (df.default === '__user') doc[df.fieldname] = this.ctx.user;
      else if (df.default !== undefined) doc[df.fieldname] = df.default;
      else if (df.fieldtype === 'Select' && df.options) doc[df.fieldname] = df.options.split('\n')[0];
    }
    for (const tf of tableFields(meta)) for (const child of doc[tf.fieldname] as Row[]) if (!child.name) this.fillDefaults(getMeta(tf.options!)!, child);
  }

  private stamp(meta: DocTypeMeta, doc: Row, isNew: boolean): string | undefined {
    const original = doc.modified === undefined || doc.modified === null ? undefined : String(doc.modified);
    doc.modified = this.env.store.now();
    doc.modified_by = this.ctx.user;
    if (isNew) {
      doc.creation = doc.modified;
      doc.owner = this.ctx.user;
    }
    doc.docstatus = Number(doc.docstatus ?? 0);
    for (const tf of tableFields(meta)) {
      for (const child of (doc[tf.fieldname] as Row[]) ?? []) {
        Object.assign(child, { modified: doc.modified, modified_by: doc.modified_by, docstatus: doc.docstatus });
        child.owner ??= doc.owner;
        child.creation ??= doc.creation;
      }
    }
    return original;
  }

  /** check_docstatus_transition(previous docstatus) -> the action, checking submit/cancel permission. */
  private transition(meta: DocTypeMeta, doc: Row, from: number): Action {
    const to = Number(doc.docstatus);
    const allowed = (ptype: 'submit' | 'cancel', action: Action): Action => {
      checkDocPermission(this.ctx, meta, this.env.roles, ptype);
      return action;
    };
    if (from === 0) {
      if (to === 0) return 'save';
      if (to === 1) return allowed('submit', 'submit');
      if (to === 2) raise('DocstatusTransitionError', 'Cannot change docstatus from 0 (Draft) to 2 (Cancelled)');
    } else if (from === 1) {
      if (to === 1) return allowed('submit', 'update_after_submit');
      if (to === 2) return allowed('cancel', 'cancel');
      if (to === 0) raise('DocstatusTransitionError', 'Cannot change docstatus from 1 (Submitted) to 0 (Draft)');
    } else raise('ValidationError', 'Cannot edit cancelled document');
    return raise('ValidationError', `('Invalid docstatus', ${to})`);
  }

  private name(fn: () => string): string {
    try {
      return fn();
    } catch (e) {
      if (e instanceof NamingError) frappeThrow(this.ctx, e.message, e.excType);
      throw e;
    }
  }

  private write(meta: DocTypeMeta, doc: Row): void {
    meta.setStatus?.(doc);
    const row: Row = {};
    for (const column of validColumns(meta)) row[column] = column === 'doctype' ? meta.name : (doc[column] ?? null);
    for (const tf of tableFields(meta)) {
      const childMeta = getMeta(tf.options!)!;
      row[tf.fieldname] = ((doc[tf.fieldname] as Row[]) ?? []).map((child) => Object.fromEntries(validColumns(childMeta).map((c) => [c, c === 'doctype' ? childMeta.name : (child[c] ?? null)])));
    }
    this.env.store.put(meta.name, row);
  }

  private events(meta: DocTypeMeta, doc: Row, action: Action, inInsert: boolean): void {
    const run = (method: string): void => this.env.runWebhooks(this.ctx, meta, doc, method, inInsert);
    if (action === 'save') run('on_update');
    else if (action === 'submit') {
      run('on_update');
      run('on_submit');
    } else if (action === 'cancel') run('on_cancel');
    else run('on_update_after_submit');
    run('on_change');
  }

  private validate(meta: DocTypeMeta, doc: Row, action: Action): void {
    if (action === 'save' || action === 'submit') meta.validate?.(doc, (dt, n) => this.env.store.peek(dt, n));
    if (action === 'cancel') return;
    validateMandatory(this.ctx, meta, doc);
    validateSelects(this.ctx, meta, doc);
  }

  /** Document.insert. `nameSet`: keep the given name (v2's create_doc sets flags.name_set when a name is sent). */
  insert(doc: Row, options: { nameSet?: boolean } = {}): Row {
    const meta = this.meta(doc.doctype);
    this.fillDefaults(meta, doc);
    this.stamp(meta, doc, true);
    const action = this.transition(meta, doc, 0);
    validateLinks(this.ctx, this.env.store, meta, doc);
    checkDocPermission(this.ctx, meta, this.env.roles, 'create');
    if (!options.nameSet) doc.name = this.name(() => newName(this.env.store, meta, doc));
    for (const tf of tableFields(meta)) for (const child of doc[tf.fieldname] as Row[]) Object.assign(child, { name: hashName(), parent: doc.name, parenttype: meta.name });
    this.validate(meta, doc, action);
    if (this.env.store.exists(meta.name, String(doc.name))) {
      msgprint(this.ctx, `${meta.name} <strong>${String(doc.name)}</strong> already exists`, { title: 'Duplicate Name', indicator: 'red' });
      throw new FrappeError('DuplicateEntryError', `('${meta.name}', '${String(doc.name)}', IntegrityError(1062, "Duplicate entry '${String(doc.name)}' for key 'PRIMARY'"))`);
    }
    this.write(meta, doc);
    this.env.runWebhooks(this.ctx, meta, doc, 'after_insert', false);
    if (typeof doc.amended_from === 'string' && doc.amended_from && Number(this.env.store.peek(meta.name, doc.amended_from)?.docstatus) !== 2) {
      const link = `<a href="/app/${meta.name.toLowerCase().replace(/ /g, '-')}/${doc.amended_from}">${doc.amended_from}</a>`;
      frappeThrow(this.ctx, `${link} cannot be amended because it is not cancelled. Please cancel the document before creating an amendment.`, 'ValidationError', 'Amendment Not Allowed');
    }
    this.events(meta, doc, action, true);
    return doc;
  }

  /** Document.save (an unsaved document is inserted). */
  save(doc: Row): Row {
    const meta = this.meta(doc.doctype);
    if (!doc.name || doc.__islocal) return this.insert(doc);
    for (const tf of tableFields(meta)) for (const child of (doc[tf.fieldname] as Row[]) ?? []) if (!child.name) this.fillDefaults(getMeta(tf.options!)!, child);
    checkDocPermission(this.ctx, meta, this.env.roles, 'write');
    const original = this.stamp(meta, doc, false);
    const previous = this.env.store.load(meta.name, String(doc.name)) ?? notFound(this.ctx, meta, this.env.roles, String(doc.name));
    if (String(previous.modified) !== (original ?? '')) {
      const message = `Error: ${String(doc.name)} (${meta.name}) has been modified after you have opened it (${String(previous.modified)}, ${String(doc.modified)}). Please refresh to get the latest document.`;
      frappeThrow(this.ctx, message, 'TimestampMismatchError');
    }
    const action = this.transition(meta, doc, Number(previous.docstatus));
    for (const tf of tableFields(meta)) for (const child of doc[tf.fieldname] as Row[]) Object.assign(child, { name: child.name ?? hashName(), parent: doc.name, parenttype: meta.name });
    if (action !== 'cancel') validateLinks(this.ctx, this.env.store, meta, doc);
    this.validate(meta, doc, action);
    if (action === 'update_after_submit') validateUpdateAfterSubmit(this.ctx, meta, doc, previous);
    this.write(meta, doc);
    this.events(meta, doc, action, false);
    return doc;
  }

  /** insertDirect: defaults, naming, computed fields and status, stored as given - no permissions, checks or webhooks. */
  seed(doc: Row): Row {
    const meta = this.meta(doc.doctype);
    this.fillDefaults(meta, doc);
    const now = this.env.store.now();
    doc.creation ??= doc.modified ?? now;
    doc.modified ??= now;
    doc.owner ??= this.ctx.user;
    doc.modified_by ??= doc.owner;
    doc.docstatus = Number(doc.docstatus ?? 0);
    if (!doc.name) doc.name = this.name(() => newName(this.env.store, meta, doc));
    for (const tf of tableFields(meta)) {
      for (const child of doc[tf.fieldname] as Row[]) {
        Object.assign(child, { name: child.name ?? hashName(), parent: doc.name, parenttype: meta.name, docstatus: doc.docstatus });
        for (const k of ['creation', 'modified', 'owner', 'modified_by']) child[k] ??= doc[k];
      }
    }
    meta.validate?.(doc, (dt, n) => this.env.store.peek(dt, n));
    this.write(meta, doc);
    return doc;
  }

  submit(doc: Row): Row {
    doc.docstatus = 1;
    return this.save(doc);
  }

  cancel(doc: Row): Row {
    doc.docstatus = 2;
    return this.save(doc);
  }

  /** frappe.delete_doc(doctype, name, ignore_missing=False) */
  delete(doctype: unknown, name: unknown): void {
    const meta = this.meta(doctype);
    const docname = String(name);
    if (!this.env.store.exists(meta.name, docname)) {
      // DoesNotExistError(doctype=...) with no message; handle_does_not_exist_error makes it the
      // 403 of check_doctype_permission when the user may not read the DocType.
      checkDocPermission(this.ctx, meta, this.env.roles, 'read');
      raise('DoesNotExistError');
    }
    const doc = this.get(meta.name, docname);
    if (this.ctx.user !== 'Administrator') checkDocPermission(this.ctx, meta, this.env.roles, 'delete');
    if (meta.isSubmittable && Number(doc.docstatus) === 1) {
      const guide = "<a href='https://docs.erpnext.com//docs/user/manual/en/setting-up/articles/delete-submitted-document' target='_blank'>";
      frappeThrow(this.ctx, `${meta.name} ${docname}: Submitted Record cannot be deleted. You must ${guide} Cancel </a> it first.`);
    }
    this.env.runWebhooks(this.ctx, meta, doc, 'on_trash', false);
    this.env.runWebhooks(this.ctx, meta, doc, 'on_change', false);
    const linker = findLinkingDocument(this.env.store, meta.name, docname);
    if (linker) {
      if (fieldOf(meta, 'disabled') || fieldOf(meta, 'enabled')) frappeThrow(this.ctx, `You can disable this ${meta.name} instead of deleting it.`, 'LinkExistsError');
      const a = (dt: string, n: string): string => `<a href="/app/Form/${dt}/${n}">${n}</a>`;
      frappeThrow(this.ctx, `Cannot delete or cancel because ${meta.name} ${a(meta.name, docname)} is linked with ${linker[0]} ${a(linker[0], linker[1])} `, 'LinkExistsError');
    }
    this.env.store.remove(meta.name, docname);
  }
}
