/** The simulator's public shapes (re-exported by index.ts), kept apart so modules share them without import cycles. */

/** A stored document: field values as Frappe holds them, child tables as arrays of rows. */
export type Row = Record<string, unknown>;

export interface UserSpec {
  email: string;
  password: string;
  apiKey: string;
  apiSecret: string;
  /** Role names; every signed-in user also has "All". Administrator has every permission. */
  roles?: string[];
  fullName?: string;
}

export type WebhookEvent = 'after_insert' | 'on_update' | 'on_submit' | 'on_cancel' | 'on_trash' | 'on_update_after_submit' | 'on_change';

export interface WebhookSpec {
  doctype: string;
  event: WebhookEvent;
  url: string;
  /** Sets `enable_security`: the body's HMAC-SHA256 goes in `X-Frappe-Webhook-Signature`. */
  secret?: string;
  requestStructure?: 'JSON' | 'Form URL-Encoded';
  /** The Jinja "JSON Request Body" (request_structure JSON). */
  json?: string;
  /** The "Webhook Data" table (fieldname -> key), used when no `json` is set. */
  fields?: Array<{ fieldname: string; key: string }>;
  headers?: Record<string, string>;
  /** Old Frappe: Form URL-Encoded data sent form-encoded (the signature is still over json.dumps(data)). */
  legacyFormBody?: boolean;
  enabled?: boolean;
  requestMethod?: 'POST' | 'PUT' | 'DELETE';
  /** Stands in for the Python `condition` expression: the webhook fires only when this returns true. */
  condition?: (doc: Record<string, unknown>) => boolean;
  /** Seconds, as the Webhook's `timeout` field (default 5). */
  timeout?: number;
}

export interface WebhookLogEntry {
  webhook: string;
  doctype: string;
  name: string;
  event: string;
  url: string;
  /** HTTP status of this attempt, null when no answer came. */
  status: number | null;
  error: string | null;
  /** Which of Frappe's three tries this was (1..3). */
  attempt: number;
  body: string | null;
}

export interface FaultSpec {
  times?: number;
  pathPrefix?: string;
  /** 0 drops the connection without an answer. */
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  auth: 'token' | 'session' | 'none';
  user: string | null;
  siteHeader: string | null;
  at: number;
  status: number;
}

export interface SiteStats {
  requests: number;
  connections: number;
  inFlight: number;
  maxInFlight: number;
  byPath: Map<string, number>;
}

export interface FrappeSiteOptions {
  /** When set, a request whose X-Frappe-Site-Name names another site gets Frappe's 404 for a missing site. */
  siteName?: string;
  /** Default: Administrator (all roles) with a random key/secret and password "admin". */
  users?: UserSpec[];
  /** Frappe's default 20. */
  pageLengthDefault?: number;
  /** Time for `modified`/`creation` and naming series years; default real time. Read in UTC. */
  clock?: () => Date;
  /** Base of Frappe's webhook retry sleeps (`sleep(3 * i + 1)` seconds): the sleeps are (3i+1) x this. Default 1000. */
  webhookRetryDelayMs?: number;
  /** System Settings "allow_error_traceback" (default on): adds `exception`/`exc` to error answers. */
  allowErrorTraceback?: boolean;
  /** `home_page` in the login answer (Frappe: get_default_path() or "/app"). */
  homePage?: string;
  /** What `/api/method/version` answers. */
  version?: string;
}

export interface FrappeSite {
  readonly url: string;
  /** Administrator's API key and secret. */
  readonly apiKey: string;
  readonly apiSecret: string;
  addUser(user: UserSpec): void;
  addWebhook(hook: WebhookSpec): string;
  readonly webhookLog: WebhookLogEntry[];
  /** Resolves when every queued webhook request (including Frappe's three tries) has finished. */
  settleWebhooks(): Promise<void>;
  /** The next `times` requests whose path starts with `pathPrefix` (default any) get this answer instead. */
  failNext(fault: FaultSpec): void;
  /** Delays every answer by `ms`. */
  setLatency(ms: number): void;
  readonly stats: SiteStats;
  readonly requestLog: RequestLogEntry[];
  /** The stored document (as `frappe.get_doc(...).as_dict()`: nulls kept, child rows included), or undefined. */
  document(doctype: string, name: string): Record<string, unknown> | undefined;
  /** Seeds a document without permissions, validation hooks or webhooks; `modified`/`creation`/`owner` may be given. */
  insertDirect(doctype: string, doc: Record<string, unknown>): Record<string, unknown>;
  /** Backdates (or moves) a stored document's `modified`, for sync tests. */
  setModified(doctype: string, name: string, modified: Date | string): void;
  close(): Promise<void>;
}
