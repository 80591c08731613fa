import { ErpnextErrors } from '../errors.js';
import { isEmptyFilters, validateFilters, type Filters } from './filters.js';
import { isRecord } from './frappe-reply.js';
import { multipartBody } from './multipart.js';
import { checkDoctype, Routes } from './routes.js';
import { Transport } from './transport.js';
import type { CallOptions, FrappeClientOptions, ListAllQuery, ListQuery, UploadedFile, UploadFileInput } from './types.js';

const MAX_FIELDS = 200;
const MAX_CLAUSE = 500;

/**
 * A Frappe/ERPNext site's REST API for one set of credentials. Documents go through v1
 * (`/api/resource`) or v2 (`/api/v2/document`) as configured; whitelisted methods work on both.
 * Every failure is an ErpnextErrors DoganError with `excType`, `serverMessages` and `upstreamStatus`.
 */
export class FrappeClient {
  readonly baseUrl: string;
  readonly apiVersion: 'v1' | 'v2';
  readonly #http: Transport;
  readonly #routes: Routes;

  constructor(options: FrappeClientOptions) {
    this.#http = new Transport(options);
    this.baseUrl = this.#http.origin;
    this.apiVersion = options.apiVersion ?? 'v1';
    this.#routes = new Routes(this.apiVersion);
  }

  /** Who the credentials are (`frappe.auth.get_logged_user`); a refused key, or one the site takes as Guest, is ERPNEXT_CREDENTIALS_REFUSED. */
  async getLoggedUser(): Promise<string> {
    const user = await this.#http.send({ method: 'GET', path: this.#routes.method('frappe.auth.get_logged_user'), idempotent: true, expect: this.#routes.methodAnswer, authProbe: true });
    if (typeof user !== 'string' || user.length === 0) throw this.notFrappe('get_logged_user answered no user name');
    if (user === 'Guest') throw ErpnextErrors.ERPNEXT_CREDENTIALS_REFUSED.with({ excType: null, serverMessages: [], upstreamStatus: 200 }, this.baseUrl, 'the site took the key as Guest');
    return user;
  }

  /** One page of documents (Frappe's default page is 20 rows of `name` only). */
  async list<T = Record<string, unknown>>(doctype: string, query: ListQuery = {}): Promise<T[]> {
    const rows = await this.#http.send({ method: 'GET', path: this.#routes.collection(doctype), query: this.listParams(query), idempotent: true, expect: 'data' });
    if (!Array.isArray(rows)) throw this.notFrappe('a list answered something other than a list');
    return rows as T[];
  }

  /**
   * Every matching document, page by page (`limit_start` steps) until a short page. Without an
   * `orderBy`, pages are taken oldest first (`creation asc`): Frappe's default, newest first, would
   * shift rows between pages while documents are being created.
   */
  async *listAll<T = Record<string, unknown>>(doctype: string, query: ListAllQuery = {}): AsyncIterable<T> {
    const { pageSize = 100, ...rest } = query;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID('pageSize must be an integer from 1 to 10000');
    const base: ListQuery = { orderBy: 'creation asc', ...rest };
    for (let start = rest.limitStart ?? 0; ; start += pageSize) {
      const page = await this.list<T>(doctype, { ...base, limitStart: start, limitPageLength: pageSize });
      yield* page;
      if (page.length < pageSize) return;
    }
  }

  /** How many documents match. */
  async count(doctype: string, filters?: Filters): Promise<number> {
    const checked = validateFilters(filters);
    const query: Record<string, string> = isEmptyFilters(checked) ? {} : { filters: JSON.stringify(checked) };
    const n =
      this.apiVersion === 'v2'
        ? await this.#http.send({ method: 'GET', path: this.#routes.count(doctype), query, idempotent: true, expect: 'data' })
        : await this.#http.send({ method: 'GET', path: this.#routes.method('frappe.client.get_count'), query: { doctype: checkDoctype(doctype), ...query }, idempotent: true, expect: 'message' });
    if (typeof n !== 'number') throw this.notFrappe('a count answered something other than a number');
    return n;
  }

  async get<T = Record<string, unknown>>(doctype: string, name: string): Promise<T> {
    return this.doc<T>(await this.#http.send({ method: 'GET', path: this.#routes.document(doctype, name), idempotent: true, expect: 'data' }));
  }

  /** Inserts a document; POST, so it is not sent twice on a 5xx or a reset. */
  async create<T = Record<string, unknown>>(doctype: string, doc: Record<string, unknown>): Promise<T> {
    return this.doc<T>(await this.#http.send({ method: 'POST', path: this.#routes.collection(doctype), json: doc, idempotent: false, expect: 'data' }));
  }

  /**
   * Sets fields on a document and saves it. A `modified` in the patch is compared with the stored
   * one by Frappe's `check_if_latest`: if someone saved in between, ERPNEXT_TIMESTAMP_MISMATCH.
   */
  async update<T = Record<string, unknown>>(doctype: string, name: string, patch: Record<string, unknown>): Promise<T> {
    return this.doc<T>(await this.#http.send({ method: 'PUT', path: this.#routes.document(doctype, name), json: patch, idempotent: true, expect: 'data' }));
  }

  async delete(doctype: string, name: string): Promise<void> {
    await this.#http.send({ method: 'DELETE', path: this.#routes.document(doctype, name), idempotent: true, expect: 'data' });
  }

  /**
   * Submits a draft by saving it with `docstatus: 1` (PUT), which Frappe's save turns into the submit
   * transition with the same permission check and hooks as `frappe.client.submit`. Chosen over
   * `frappe.client.submit(doc)` because that one needs the whole document sent back: a document read
   * through the API lacks the fields the user may not read (field-level permissions), and a child
   * row or `modified` changed in between fails the save. The PUT loads the stored document on the
   * server; one request, no round trip of the document.
   */
  async submit<T = Record<string, unknown>>(doctype: string, name: string): Promise<T> {
    return this.update<T>(doctype, name, { docstatus: 1 });
  }

  /** Cancels a submitted document (`frappe.client.cancel`) and answers it as it now is. */
  async cancel<T = Record<string, unknown>>(doctype: string, name: string): Promise<T> {
    const answer = await this.call('frappe.client.cancel', { doctype: checkDoctype(doctype), name });
    // Recent Frappe answers the cancelled document; older versions answer nothing.
    if (isRecord(answer) && answer.docstatus === 2 && answer.name === name) return answer as T;
    return this.get<T>(doctype, name);
  }

  /** A whitelisted method; answers what it returned (`message` on v1, `data` on v2). */
  async call<T = unknown>(method: string, args: Record<string, unknown> = {}, options: CallOptions = {}): Promise<T> {
    const path = this.#routes.method(method);
    const expect = this.#routes.methodAnswer;
    if (options.httpMethod === 'GET') {
      const query = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
      return (await this.#http.send({ method: 'GET', path, query, idempotent: true, expect })) as T;
    }
    return (await this.#http.send({ method: 'POST', path, json: args, idempotent: options.safe === true, expect })) as T;
  }

  /** Uploads a file (multipart to `upload_file`), attached to a document when `doctype` and `docname` are given. */
  async uploadFile(file: UploadFileInput): Promise<UploadedFile> {
    if (!file.filename || /[\\/\0]/.test(file.filename) || file.filename.length > 255) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID(`${JSON.stringify(String(file.filename).slice(0, 80))} is not a file name`);
    const fields: Record<string, string> = { is_private: file.isPrivate ? '1' : '0' };
    if (file.doctype !== undefined) fields.doctype = checkDoctype(file.doctype);
    if (file.docname !== undefined) fields.docname = file.docname;
    if (file.fieldname !== undefined) fields.fieldname = file.fieldname;
    if (file.folder !== undefined) fields.folder = file.folder;
    const raw = multipartBody(fields, { field: 'file', filename: file.filename, contentType: file.contentType ?? 'application/octet-stream', content: file.content });
    const answer = await this.#http.send({ method: 'POST', path: this.#routes.method('upload_file'), raw, idempotent: false, expect: this.#routes.methodAnswer });
    if (!isRecord(answer) || typeof answer.name !== 'string' || typeof answer.file_url !== 'string') throw this.notFrappe('upload_file answered no File document');
    return answer as UploadedFile;
  }

  private listParams(q: ListQuery): Record<string, string> {
    const out: Record<string, string> = {};
    if (q.fields !== undefined) {
      if (!Array.isArray(q.fields) || q.fields.length > MAX_FIELDS || !q.fields.every((f) => typeof f === 'string' && f.length > 0 && f.length <= MAX_CLAUSE)) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID(`fields must be a list of at most ${MAX_FIELDS} field names`);
      out.fields = JSON.stringify(q.fields);
    }
    const filters = validateFilters(q.filters);
    if (!isEmptyFilters(filters)) out.filters = JSON.stringify(filters);
    const orFilters = validateFilters(q.orFilters);
    if (!isEmptyFilters(orFilters)) out.or_filters = JSON.stringify(orFilters);
    if (q.orderBy !== undefined) out.order_by = clause(q.orderBy, 'orderBy');
    if (q.groupBy !== undefined) out.group_by = clause(q.groupBy, 'groupBy');
    const v2 = this.apiVersion === 'v2';
    if (q.limitStart !== undefined) out[v2 ? 'start' : 'limit_start'] = String(count(q.limitStart, 'limitStart'));
    if (q.limitPageLength !== undefined) out[v2 ? 'limit' : 'limit_page_length'] = String(count(q.limitPageLength, 'limitPageLength'));
    return out;
  }

  private doc<T>(value: unknown): T {
    if (!isRecord(value)) throw this.notFrappe('a document route answered something other than a document');
    return value as T;
  }

  private notFrappe(reason: string) {
    return ErpnextErrors.ERPNEXT_NOT_FRAPPE.with({ excType: null, serverMessages: [], upstreamStatus: 200 }, this.baseUrl, reason);
  }
}

function clause(value: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CLAUSE || /[;'"()]/.test(value)) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID(`${what} must be field names with asc or desc`);
  return value;
}

function count(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID(`${what} must be a whole number, 0 or more`);
  return value;
}
