/**
 * The API a module sees as `import { ... } from 'dogan:module'`, the only import that resolves inside
 * the sandbox. Tenant and module always come from the call being run, never from arguments: a module
 * cannot name another tenant or module. Every function checks the tenant's grant when it is called.
 * Values cross the boundary as JSON: functions, cycles and class instances do not survive.
 */

/** Any value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A stored document: the collection's schema, plus its `id`. */
export type StoredDocument<T extends object = Record<string, JsonValue>> = T & { readonly id: string };

/** A filter value comparison; ranges compare as the database compares JSON values. */
export interface FieldCondition {
  eq?: JsonValue;
  ne?: JsonValue;
  gt?: string | number;
  gte?: string | number;
  lt?: string | number;
  lte?: string | number;
  /** 1 to 100 values. */
  in?: Array<string | number | boolean>;
}

/**
 * The filter language: `{ field: value }` is equality, `{ field: { gte: 2 } }` a range, `and`/`or`
 * take lists of filters. Fields are top-level properties declared in the collection's schema, or `id`.
 */
export type StorageFilter = { and?: StorageFilter[]; or?: StorageFilter[] } & { [field: string]: JsonValue | FieldCondition | StorageFilter[] | undefined };

export interface StorageQuery {
  where?: StorageFilter;
  /** A field name; `-field` for descending. Ties are broken by `id` in the same direction. */
  sort?: string;
  /** 1 to the platform's maximum page (100 by default); default 20. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface StoragePage<T extends object = Record<string, JsonValue>> {
  readonly items: Array<StoredDocument<T>>;
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Documents in the collections the manifest declares (needs a `storage` permission). */
export interface StorageApi {
  /** Validates against the collection's JSON schema; `doc.id` (1–64 of `[A-Za-z0-9_-]`) is kept, otherwise one is made. */
  insert<T extends object>(collection: string, doc: T & { id?: string }): Promise<StoredDocument<T>>;
  get<T extends object>(collection: string, id: string): Promise<StoredDocument<T> | null>;
  /** Shallow merge; resolves to null when there is no such document. */
  update<T extends object>(collection: string, id: string, patch: Partial<T>): Promise<StoredDocument<T> | null>;
  delete(collection: string, id: string): Promise<{ deleted: boolean }>;
  query<T extends object>(collection: string, query?: StorageQuery): Promise<StoragePage<T>>;
}

export interface FetchInit {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  /** A string is sent as is; other JSON values are sent as JSON. */
  body?: JsonValue;
}

export interface FetchResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Outbound HTTP to the URLs and methods of a granted `http` permission. Private, loopback, link-local
 * and metadata addresses are refused, also after redirects; count, concurrency, time and size are limited.
 */
export interface HttpApi {
  fetch(url: string, init?: FetchInit): Promise<FetchResponse>;
}

export interface EventsApi {
  /** Emits an event type granted by an `events` permission; subscribers of this tenant receive it. */
  emit(type: string, payload?: JsonValue): Promise<void>;
}

/** Frappe's filter operators (`is` takes `"set"` or `"not set"`; `between` a two-value list; `in` a list). */
export type ErpnextFilterOperator =
  | '='
  | '!='
  | '>'
  | '<'
  | '>='
  | '<='
  | 'like'
  | 'not like'
  | 'in'
  | 'not in'
  | 'is'
  | 'between'
  | 'timespan'
  | 'descendants of'
  | 'not descendants of'
  | 'ancestors of'
  | 'not ancestors of'
  | 'previous'
  | 'next';

/** One condition in Frappe's list form: `[field, operator, value]`, or `[child doctype, field, operator, value]` for a child table's field. */
export type ErpnextFilterCondition = [field: string, operator: ErpnextFilterOperator, value: JsonValue] | [doctype: string, field: string, operator: ErpnextFilterOperator, value: JsonValue];

/**
 * Filters as Frappe takes them: the list form, `[["status", "=", "Unpaid"], ["grand_total", ">", 100]]`,
 * or the dict form, `{ status: "Unpaid", grand_total: [">", 100] }` (a bare value is `=`). All must hold.
 */
export type ErpnextFilters = ErpnextFilterCondition[] | { [field: string]: JsonValue | [ErpnextFilterOperator, JsonValue] };

/** A list query, in the names of Frappe's `GET /api/resource/{doctype}` parameters. */
export interface ErpnextListQuery {
  /** Fields of each row; `["*"]` for every field. Default (Frappe's): `["name"]`. */
  fields?: string[];
  /** Conditions that must all hold. */
  filters?: ErpnextFilters;
  /** Conditions of which at least one must hold (with all of `filters`). */
  or_filters?: ErpnextFilters;
  /** `"posting_date desc"`, `"modified desc, name asc"`; default the doctype's sort order. */
  order_by?: string;
  /** Rows to skip (paging); default 0. */
  limit_start?: number;
  /** Rows to return, at most 500; default 20; 0 means the most (500). */
  limit_page_length?: number;
}

/**
 * A document as ERPNext returns it: its fields (child tables are lists of rows), with Frappe's own.
 * Rows of `list` have only the fields asked for.
 */
export type ErpnextDocument<T extends object = Record<string, JsonValue>> = T & {
  /** The document's id in ERPNext (`ACC-SINV-2025-00001`, a customer's name). */
  readonly name: string;
  readonly doctype: string;
  /** 0 draft, 1 submitted, 2 cancelled (submittable doctypes). */
  readonly docstatus: 0 | 1 | 2;
  /** When it was last saved; an `update` whose patch carries an older `modified` is refused with ERPNEXT_TIMESTAMP_MISMATCH. */
  readonly modified: string;
};

/** Options of every ERPNext operation. */
export interface ErpnextOptions {
  /** One of the tenant's ERPNext connections, by name; default: its default connection. */
  connection?: string;
}

/**
 * Codes of the errors the `erpnext` API rejects with (`err.code`; `err.message` says what ERPNext or
 * the platform answered):
 * - `ERPNEXT_NOT_FOUND`: no such document (or doctype) in ERPNext.
 * - `ERPNEXT_VALIDATION`: ERPNext refused the document (a mandatory field, a link to nothing, a rule of the doctype).
 * - `ERPNEXT_DUPLICATE`: a document with that name, or unique value, exists.
 * - `ERPNEXT_TIMESTAMP_MISMATCH`: someone saved the document after it was read; read it again and reapply the change.
 * - `ERPNEXT_PERMISSION_DENIED`: the ERPNext user of the connection lacks the permission on the site.
 * - `ERPNEXT_NOT_CONNECTED`: the tenant has no ERPNext connection (of that name).
 * - `ERPNEXT_ARGUMENT_INVALID`, `ERPNEXT_FILTER_INVALID`, `ERPNEXT_DOCTYPE_INVALID`: the platform refused the arguments before sending them
 *   (a filter, field name, page size, a name longer than 140 characters).
 * - `ERPNEXT_NOT_IN_PLAN`: the tenant's plan does not include the ERPNext integration.
 * - `ERPNEXT_UNREACHABLE`, `ERPNEXT_TIMEOUT`, `ERPNEXT_SERVER_ERROR`, `ERPNEXT_RATE_LIMITED`, `ERPNEXT_TOO_MANY_REQUESTS`,
 *   `ERPNEXT_CREDENTIALS_REFUSED`, `ERPNEXT_NOT_FRAPPE`: the site or the connection failed; retrying later may help.
 * - `SANDBOX_PERMISSION_DENIED`: the tenant did not grant this module that access on that doctype (the manifest's
 *   `erpnext` permissions: `read` for list and get, `write` also for create, update and delete, `submit` also for
 *   submit and cancel). It is in the module's log.
 * - `SANDBOX_HTTP_LIMIT`: more outbound requests in one call than the platform allows (ERPNext operations count
 *   with `http.fetch`), a document or query too large, or an answer too large (ask for fewer fields or rows).
 * - `MODULE_CAPABILITY_UNAVAILABLE`: the platform runs without its ERPNext plugin.
 */
export type ErpnextErrorCode =
  | 'ERPNEXT_NOT_FOUND'
  | 'ERPNEXT_VALIDATION'
  | 'ERPNEXT_DUPLICATE'
  | 'ERPNEXT_TIMESTAMP_MISMATCH'
  | 'ERPNEXT_PERMISSION_DENIED'
  | 'ERPNEXT_NOT_CONNECTED'
  | 'ERPNEXT_ARGUMENT_INVALID'
  | 'ERPNEXT_FILTER_INVALID'
  | 'ERPNEXT_DOCTYPE_INVALID'
  | 'ERPNEXT_NOT_IN_PLAN'
  | 'ERPNEXT_UNREACHABLE'
  | 'ERPNEXT_TIMEOUT'
  | 'ERPNEXT_SERVER_ERROR'
  | 'ERPNEXT_RATE_LIMITED'
  | 'ERPNEXT_TOO_MANY_REQUESTS'
  | 'ERPNEXT_CREDENTIALS_REFUSED'
  | 'ERPNEXT_NOT_FRAPPE'
  | 'SANDBOX_PERMISSION_DENIED'
  | 'SANDBOX_HTTP_LIMIT'
  | 'MODULE_CAPABILITY_UNAVAILABLE';

/** What the `erpnext` API rejects with: an Error whose `code` says why (see {@link ErpnextErrorCode}). */
export interface ErpnextError extends Error {
  readonly code: ErpnextErrorCode;
}

/**
 * Documents in the tenant's own ERPNext (needs an `erpnext` permission naming the doctype). Each
 * operation is one request to the site, through the connection the tenant's admin saved, as that
 * connection's ERPNext user: ERPNext's own permissions apply too. Doctypes are Frappe's exact names
 * (`Sales Invoice`). Failures reject with an {@link ErpnextError}.
 */
export interface ErpnextApi {
  /** Rows of a doctype (access `read`). */
  list<T extends object = Record<string, JsonValue>>(doctype: string, query?: ErpnextListQuery, options?: ErpnextOptions): Promise<T[]>;
  /** One document with its child tables (access `read`); ERPNEXT_NOT_FOUND when there is none. */
  get<T extends object = Record<string, JsonValue>>(doctype: string, name: string, options?: ErpnextOptions): Promise<ErpnextDocument<T>>;
  /** Inserts a draft (access `write`); resolves to the document as saved, with its `name`. */
  create<T extends object = Record<string, JsonValue>>(doctype: string, doc: T, options?: ErpnextOptions): Promise<ErpnextDocument<T>>;
  /** Sets the fields of `patch` (access `write`); a child table given is replaced whole. Resolves to the saved document. */
  update<T extends object = Record<string, JsonValue>>(doctype: string, name: string, patch: Partial<T> & { modified?: string }, options?: ErpnextOptions): Promise<ErpnextDocument<T>>;
  /** Deletes a document (access `write`); ERPNext refuses a submitted one, or one that others link to. */
  delete(doctype: string, name: string, options?: ErpnextOptions): Promise<{ deleted: true }>;
  /** Submits a draft of a submittable doctype (access `submit`); resolves to the document, `docstatus` 1. */
  submit<T extends object = Record<string, JsonValue>>(doctype: string, name: string, options?: ErpnextOptions): Promise<ErpnextDocument<T>>;
  /** Cancels a submitted document (access `submit`); resolves to the document, `docstatus` 2. */
  cancel<T extends object = Record<string, JsonValue>>(doctype: string, name: string, options?: ErpnextOptions): Promise<ErpnextDocument<T>>;
}

/**
 * One email from a module (needs an `email` permission). Give a `subject` with a `text` or `html` body
 * (or both), or the name of one of the tenant's email `template`s with its `data`. The message is
 * rendered in the tenant's language unless `locale` says otherwise, as a right-to-left document in
 * Arabic, always with a plain-text alternative; the tenant's SMTP settings send it.
 */
export interface OutgoingModuleEmail {
  /** One address or a list (with `cc`, at most 50). With the `tenant` grant: the tenant's own addresses only. */
  to: string | string[];
  cc?: string[];
  replyTo?: string;
  subject?: string;
  text?: string;
  html?: string;
  /** A template the tenant saved (`PUT /api/v1/{tenant}/email/templates/{name}`). */
  template?: string;
  /** The template's values: `{{name}}`, `{{total | money}}`, `{{dueAt | date}}`. */
  data?: Record<string, JsonValue>;
  locale?: 'ar' | 'en';
  /** A second send with the same key (from this module) answers with the first message and sends nothing. */
  idempotencyKey?: string;
}

/** A message as recorded: queued (or `suppressed`, when every recipient is on the tenant's suppression list). */
export interface SentModuleEmail {
  readonly id: string;
  readonly status: 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed';
  readonly to: readonly string[];
  readonly subject: string;
  readonly locale: 'ar' | 'en';
  readonly createdAt: string;
}

/**
 * Codes of the errors `email.send` rejects with:
 * - `EMAIL_RECIPIENT_NOT_ALLOWED`: the permission's `recipients` is `tenant`, and an address is not the
 *   tenant's (its billing contact, or on one of its domains).
 * - `EMAIL_MODULE_DAILY_LIMIT`: the tenant's modules sent as many emails today (UTC) as the platform allows.
 * - `EMAIL_ADDRESS_INVALID`, `EMAIL_MESSAGE_INVALID`, `EMAIL_TEMPLATE_NOT_FOUND`, `EMAIL_TEMPLATE_INVALID`: the message was refused as given.
 * - `EMAIL_NOT_CONFIGURED`: neither the tenant nor the platform has an SMTP server.
 * - `SANDBOX_PERMISSION_DENIED`: the tenant did not grant the module an `email` permission.
 * - `MODULE_CAPABILITY_UNAVAILABLE`: the platform runs without its email plugin.
 */
export type EmailErrorCode =
  | 'EMAIL_RECIPIENT_NOT_ALLOWED'
  | 'EMAIL_MODULE_DAILY_LIMIT'
  | 'EMAIL_ADDRESS_INVALID'
  | 'EMAIL_MESSAGE_INVALID'
  | 'EMAIL_TEMPLATE_NOT_FOUND'
  | 'EMAIL_TEMPLATE_INVALID'
  | 'EMAIL_NOT_CONFIGURED'
  | 'SANDBOX_PERMISSION_DENIED'
  | 'MODULE_CAPABILITY_UNAVAILABLE';

/** What `email.send` rejects with: an Error whose `code` says why (see {@link EmailErrorCode}). */
export interface EmailError extends Error {
  readonly code: EmailErrorCode;
}

/**
 * Mail from the tenant (needs an `email` permission). `send` resolves once the message is recorded
 * in the tenant's queue, not when it leaves: the platform retries a server that defers it and never
 * sends to a suppressed address. Failures reject with an {@link EmailError}.
 */
export interface EmailApi {
  send(message: OutgoingModuleEmail): Promise<SentModuleEmail>;
}

/** Lines go to the module's log, which the tenant's admins and the module's developer read; bounded per call. */
export interface LogApi {
  debug(message: string, data?: JsonValue): void;
  info(message: string, data?: JsonValue): void;
  warn(message: string, data?: JsonValue): void;
  error(message: string, data?: JsonValue): void;
}

export interface SettingsApi {
  /** The tenant's settings for this module, valid against the manifest's settings schema (a fresh copy). */
  get<T extends object = Record<string, JsonValue>>(): T;
}

export interface TenantInfo {
  readonly id: string;
  readonly locale: string;
  readonly timezone: string;
  readonly plan: string;
}

/** What a route handler receives. */
export interface ModuleRequest<B = JsonValue> {
  readonly method: string;
  /** Below `/api/v1/{tenant}/apps/{moduleId}`. */
  readonly path: string;
  /** `:name` segments of the declared route. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Without credentials (authorization, cookies, API keys). */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text for other content types. */
  readonly body: B;
}

/**
 * What a route handler returns. Headers outside the allowlist (content-type, cache-control, etag,
 * last-modified, content-language, content-disposition, location, vary, expires, x-*) are dropped;
 * a string body with a non-JSON content-type is sent as text, anything else as JSON.
 */
export interface ModuleResponse {
  /** 200 to 599; default 200. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: JsonValue;
}

export interface ModuleEvent<P = JsonValue> {
  readonly type: string;
  readonly payload: P;
  /** How deep in a chain of events this delivery is; the platform stops chains at a fixed depth. */
  readonly depth: number;
  /**
   * The event's id, the same on every delivery of it: an event may be delivered more than once
   * (at least once), so a handler with effects deduplicates on it. Absent on a platform without a bus.
   */
  readonly id?: string;
  /** When it happened (ISO 8601), when known. */
  readonly occurredAt?: string;
}

export interface JobRun {
  readonly job: string;
  readonly scheduledAt: string;
}

/**
 * What an agent tool handler receives when an employee agent calls one of the manifest's
 * `agentTools`: the tool's name and its arguments, already checked against the tool's `parameters`
 * schema (a call whose arguments do not match never reaches the handler).
 *
 * **A tool must be safe to call twice with the same `idempotencyKey`.** An agent retries a call whose
 * answer it did not get (a crash, a timeout, a restart), with the same key: store the key with the
 * effect, in the same write, and when the key is already stored answer what the first call answered
 * instead of doing the effect again, as a payment API does. A different key is a different call.
 *
 * @example
 * // manifest: collection "leads" with a string property "idempotencyKey" and a unique index on it
 * const byKey = (key: string) => storage.query('leads', { where: { idempotencyKey: key }, limit: 1 });
 * export const tools = {
 *   createLead: async ({ arguments: args, idempotencyKey }: ToolRequest<{ name: string }>) => {
 *     const [done] = (await byKey(idempotencyKey)).items;
 *     if (done) return { id: done.id, created: false };            // a retry: the first call's answer
 *     try {
 *       return { id: (await storage.insert('leads', { name: args.name, idempotencyKey })).id, created: true };
 *     } catch (err) {
 *       // The same call running at once elsewhere won the unique index: answer what it stored.
 *       if ((err as { code?: string }).code !== 'MODULE_STORAGE_CONFLICT') throw err;
 *       return { id: (await byKey(idempotencyKey)).items[0]!.id, created: false };
 *     }
 *   },
 * };
 */
export interface ToolRequest<A = Record<string, JsonValue>> {
  /** The tool's name in the manifest (`create_lead`). */
  readonly tool: string;
  /** Valid against the tool's `parameters` JSON Schema. */
  readonly arguments: A;
  /** The same on every attempt of one call: do the call's effect once per key. */
  readonly idempotencyKey: string;
  /** The agent calling, for the module's own records. */
  readonly agentId?: string;
  /** The agent's task this call belongs to. */
  readonly taskId?: string;
}

/**
 * A tool handler: what it returns (any JSON value, at most the platform's response size) goes back
 * to the agent; an Error it throws reaches the agent with its `code` and message
 * (MODULE_TOOL_FAILED, `moduleCode`). Declared as a method so a handler may type its arguments.
 */
export type ToolHandler = { handle(request: ToolRequest): unknown }['handle'];

/** The shape of a bundle's exports: handler tables named by the manifest. */
export interface ModuleExports {
  routes?: Record<string, (request: ModuleRequest) => ModuleResponse | Promise<ModuleResponse>>;
  events?: Record<string, (event: ModuleEvent) => unknown>;
  jobs?: Record<string, (run: JobRun) => unknown>;
  /** Agent tools, by the `handler` names of the manifest's `agentTools`. */
  tools?: Record<string, ToolHandler>;
  hooks?: {
    install?: () => unknown;
    upgrade?: (info: { from: string }) => unknown;
    uninstall?: () => unknown;
  };
}

export declare const storage: StorageApi;
export declare const http: HttpApi;
export declare const events: EventsApi;
export declare const erpnext: ErpnextApi;
export declare const email: EmailApi;
export declare const log: LogApi;
export declare const settings: SettingsApi;
export declare const tenant: TenantInfo;
/** Waits up to the platform's maximum (2 s by default); there are no timers. */
export declare function sleep(ms: number): Promise<void>;
