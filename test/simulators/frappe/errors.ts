import { randomBytes } from 'node:crypto';
import { dumps, type PyValue } from './python-json.js';

/**
 * Frappe's exceptions and the error bodies it builds from them.
 *
 * Status codes: frappe/exceptions.py (`http_status_code` of each class; subclasses inherit, e.g.
 * MandatoryError and TimestampMismatchError are ValidationError -> 417, DuplicateEntryError is
 * NameError -> 409). Exceptions without one are 500 (app.py handle_exception).
 *
 * Bodies: frappe/utils/response.py.
 *  - v1 (report_error + _make_logs_v1): `exception` (the traceback's last line) and `exc`
 *    (json.dumps of [traceback]) only when tracebacks are allowed (System Settings
 *    allow_error_traceback, never for 404, never with flags.disable_traceback); `exc_type` always;
 *    `_server_messages` = json.dumps([json.dumps(msg) for msg in message_log]) - a JSON string of a
 *    list of JSON strings; `_error_message` from frappe.flags.error_message (permission errors).
 *  - v2 (report_error + _make_logs_v2): `errors: [{type, exception?, ...the linked message}]` and the
 *    other messages, as objects, in `messages`.
 */

/** class name -> [HTTP status, module as the traceback prints it]. */
const EXCEPTIONS: Record<string, [number, string]> = {
  ValidationError: [417, 'frappe.exceptions'],
  AuthenticationError: [401, 'frappe.exceptions'],
  SessionExpired: [401, 'frappe.exceptions'],
  PermissionError: [403, 'frappe.exceptions'],
  DoesNotExistError: [404, 'frappe.exceptions'],
  DuplicateEntryError: [409, 'frappe.exceptions'],
  NameError: [409, 'frappe.exceptions'],
  MandatoryError: [417, 'frappe.exceptions'],
  TimestampMismatchError: [417, 'frappe.exceptions'],
  DocstatusTransitionError: [417, 'frappe.exceptions'],
  UpdateAfterSubmitError: [417, 'frappe.exceptions'],
  LinkValidationError: [417, 'frappe.exceptions'],
  CancelledLinkError: [417, 'frappe.exceptions'],
  LinkExistsError: [417, 'frappe.exceptions'],
  DataError: [417, 'frappe.exceptions'],
  AppNotInstalledError: [417, 'frappe.exceptions'],
  InvalidAuthorizationToken: [400, 'frappe.exceptions'],
  TooManyRequestsError: [429, 'frappe.exceptions'],
  OperationalError: [500, 'pymysql.err'],
  ProgrammingError: [500, 'pymysql.err'],
  JSONDecodeError: [500, 'json.decoder'],
  TypeError: [500, ''],
  ValueError: [500, ''],
  FrappeValueError: [417, 'frappe.api.v2'],
};

export function statusOf(excType: string): number {
  return EXCEPTIONS[excType]?.[0] ?? 500;
}

/** `frappe.generate_hash()`: 56 hex characters (the `__frappe_exc_id` of a thrown message). */
export function generateHash(length = 56): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

/** One entry of `frappe.local.message_log`, keys in the order msgprint sets them. */
export interface MessageEntry {
  message: string;
  title: string;
  indicator?: string;
  raise_exception?: 1;
  __frappe_exc_id?: string;
}

/** A raised Frappe (or Python) exception. `text` is `str(exception)`; `excId` links it to its message. */
export class FrappeError extends Error {
  constructor(
    readonly excType: string,
    readonly text = '',
    readonly excId?: string,
  ) {
    super(`${excType}${text ? `: ${text}` : ''}`);
  }
  get status(): number {
    return statusOf(this.excType);
  }
}

/** A werkzeug HTTPException (NotFound, MethodNotAllowed): Frappe returns it as werkzeug's HTML page. */
export class HttpPage extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly description: string,
  ) {
    super(title);
  }
  html(): string {
    return `<!doctype html>\n<html lang=en>\n<title>${this.status} ${this.title}</title>\n<h1>${this.title}</h1>\n<p>${this.description}</p>\n`;
  }
}

export const notFoundPage = (description = 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.'): HttpPage =>
  new HttpPage(404, 'Not Found', description);

/** The last line of the traceback, which Frappe sends as `exception`. */
export function lastLine(err: FrappeError): string {
  const module = EXCEPTIONS[err.excType]?.[1] ?? 'frappe.exceptions';
  return `${module ? module + '.' : ''}${err.excType}${err.text ? `: ${err.text}` : ''}`;
}

/** A traceback shaped like Python's (the frames are illustrative; clients only show or log it). */
export function traceback(err: FrappeError): string {
  return [
    'Traceback (most recent call last):',
    '  File "apps/frappe/frappe/app.py", line 115, in application',
    '    response = frappe.api.handle(request)',
    '  File "apps/frappe/frappe/api/__init__.py", line 49, in handle',
    '    data = endpoint(**arguments)',
    lastLine(err),
    '',
  ].join('\n');
}

/** What the error builders read and write: frappe.local.response, message_log and two flags. */
export interface ErrorState {
  response: Record<string, PyValue>;
  messageLog: MessageEntry[];
  errorMessage?: string;
  disableTraceback: boolean;
}

/** _make_logs_v1: also runs for successful answers (a msgprint shows up as `_server_messages`). */
export function finishV1(state: ErrorState, errorLog: string[] = []): void {
  const r = state.response;
  if (errorLog.length) r.exc = dumps(errorLog);
  if (state.messageLog.length) r._server_messages = dumps(state.messageLog.map((m) => dumps(m as unknown as PyValue)));
  if (state.errorMessage) r._error_message = state.errorMessage;
}

/** _make_logs_v2. */
export function finishV2(state: ErrorState): void {
  if (state.messageLog.length) state.response.messages = state.messageLog as unknown as PyValue;
}

/** report_error for /api/ and /api/v1/ paths. */
export function v1ErrorBody(state: ErrorState, err: FrappeError, allowTraceback: boolean): void {
  const allow = allowTraceback && !state.disableTraceback && err.status !== 404;
  if (allow) state.response.exception = lastLine(err);
  state.response.exc_type = err.excType;
  finishV1(state, allow ? [traceback(err)] : []);
}

/**
 * report_error for /api/v2/ paths. `_link_error_with_message_log` moves the first message whose
 * `__frappe_exc_id` equals the exception's into the error (both absent counts as equal in Python,
 * so a bare exception takes the first plain msgprint), dropping `raise_exception` and the id.
 */
export function v2ErrorBody(state: ErrorState, err: FrappeError, allowTraceback: boolean): void {
  const allow = allowTraceback && !state.disableTraceback && err.status !== 404;
  const error: Record<string, PyValue> = { type: err.excType };
  if (allow) error.exception = traceback(err);
  const index = state.messageLog.findIndex((m) => m.__frappe_exc_id === err.excId);
  if (index >= 0) {
    const [linked] = state.messageLog.splice(index, 1);
    for (const [k, v] of Object.entries(linked!)) if (k !== 'raise_exception' && k !== '__frappe_exc_id') error[k] = v;
  }
  state.response.errors = [error];
  finishV2(state);
}
