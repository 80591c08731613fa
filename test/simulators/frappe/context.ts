import type { IncomingHttpHeaders } from 'node:http';
import { FrappeError, generateHash, type ErrorState, type MessageEntry } from './errors.js';
import type { PyValue } from './python-json.js';
import type { Row } from './types.js';

/**
 * One request's state, as frappe.local holds it: form_dict, the session user, `frappe.response`
 * (which starts as `{"docs": []}` - frappe.init - so `docs` comes first in the JSON when a v2 doc
 * method fills it), message_log, flags, cookies to send and the webhook queue flushed on commit.
 */
export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface QueuedWebhook {
  webhook: string;
  doctype: string;
  name: string;
  event: string;
  doc: Row;
}

export class Ctx implements ErrorState {
  formDict: Record<string, unknown> = {};
  files: UploadedFile[] = [];
  user = 'Guest';
  /** The session id, "Guest" for guests and for token requests (frappe.set_user keeps the Guest cookie). */
  sid = 'Guest';
  authKind: 'token' | 'session' | 'none' = 'none';
  response: Record<string, PyValue> = { docs: [] };
  messageLog: MessageEntry[] = [];
  errorMessage?: string;
  disableTraceback = false;
  httpStatus?: number;
  /** Cookies to set, then cookie names to expire (CookieManager.flush_cookies does them in that order). */
  cookies = new Map<string, { value: string; maxAge?: number; httpOnly?: boolean }>();
  cookiesToDelete = new Set<string>();
  webhookQueue: QueuedWebhook[] = [];

  constructor(
    readonly method: string,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly headers: IncomingHttpHeaders,
    readonly rawBody: Buffer,
  ) {}

  get apiVersion(): 'v1' | 'v2' {
    return this.path.startsWith('/api/v2') ? 'v2' : 'v1';
  }
}

/** frappe.msgprint (frappe/utils/messages.py): title defaults to "Message"; raising adds indicator red and an exc id. */
export function msgprint(ctx: Ctx, message: string, options: { title?: string; indicator?: string } = {}): void {
  const entry: MessageEntry = { message, title: options.title ?? 'Message' };
  if (options.indicator) entry.indicator = options.indicator;
  ctx.messageLog.push(entry);
}

/** frappe.throw: msgprint(raise_exception=exc, indicator="red") then raise exc(message). */
export function frappeThrow(ctx: Ctx, message: string, excType = 'ValidationError', title?: string): never {
  const excId = generateHash();
  ctx.messageLog.push({ message, title: title ?? 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: excId });
  throw new FrappeError(excType, message, excId);
}

/** `raise SomeError(text)` with no message printed. */
export function raise(excType: string, text = ''): never {
  throw new FrappeError(excType, text);
}
