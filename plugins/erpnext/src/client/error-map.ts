import type { DoganError } from '@dogan/runtime';
import { ErpnextErrors } from '../errors.js';
import { isFrappeError, readFault, type FrappeFault } from './frappe-reply.js';

/** What the mapping needs to word an error, and the one thing it must never let through. */
export interface ErrorContext {
  readonly baseUrl: string;
  readonly apiSecret: string;
  /** The request asks who the credentials are: a 403 there means the key was not taken (Guest). */
  readonly authProbe: boolean;
}

const AUTH_FAILURES = ['AuthenticationError', 'SessionExpired', 'InvalidAuthorizationHeader', 'InvalidAuthorizationPrefix', 'InvalidAuthorizationToken'];
const NOT_FOUND = ['DoesNotExistError', 'PageDoesNotExistError'];
const DUPLICATES = ['DuplicateEntryError', 'UniqueValidationError'];

/** Belt and braces: a server that echoed the secret back must not get it into our errors or logs. */
export function redact(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

function is(fault: FrappeFault, types: string[]): boolean {
  return fault.excType !== undefined && types.includes(fault.excType);
}

/**
 * The error for an answer that is not a success, after retries: the code from the exception Frappe
 * names (or the status it chose for it, per `frappe/exceptions.py`), the message in the server's own
 * words. TimestampMismatchError is a ValidationError (417), so it is told apart by name.
 */
export function errorFromReply(status: number, body: unknown, ctx: ErrorContext, retryAfterSeconds?: number): DoganError {
  const fault = readFault(body);
  const messages = fault.messages.map((m) => redact(m, ctx.apiSecret));
  const message = messages[0] ?? (fault.excType ? `${fault.excType} (HTTP ${status})` : `HTTP ${status}`);
  const ext = { excType: fault.excType ?? null, serverMessages: messages, upstreamStatus: status };
  if (status === 429) return ErpnextErrors.ERPNEXT_RATE_LIMITED.with({ ...ext, retryAfterSeconds: retryAfterSeconds ?? null }, ctx.baseUrl, retryAfterSeconds ?? 'a few');
  if (status >= 500) return ErpnextErrors.ERPNEXT_SERVER_ERROR.with(ext, status, message);
  // A proxy's or another server's 4xx page is no verdict on the request: the URL is likely wrong.
  if (!isFrappeError(body)) return notFrappe(ctx, `HTTP ${status} with a body that is not Frappe's JSON`, status);
  if (is(fault, ['TimestampMismatchError'])) return ErpnextErrors.ERPNEXT_TIMESTAMP_MISMATCH.with(ext, message);
  if (status === 401 || is(fault, AUTH_FAILURES)) return ErpnextErrors.ERPNEXT_CREDENTIALS_REFUSED.with(ext, ctx.baseUrl, message);
  if (status === 403 || is(fault, ['PermissionError'])) {
    if (ctx.authProbe) return ErpnextErrors.ERPNEXT_CREDENTIALS_REFUSED.with(ext, ctx.baseUrl, `the site took the request as Guest: ${message}`);
    return ErpnextErrors.ERPNEXT_PERMISSION_DENIED.with(ext, message);
  }
  if (status === 404 || is(fault, NOT_FOUND)) return ErpnextErrors.ERPNEXT_NOT_FOUND.with(ext, message);
  if (status === 409 || is(fault, DUPLICATES)) return ErpnextErrors.ERPNEXT_DUPLICATE.with(ext, message);
  // 417 (ValidationError and its kin: MandatoryError, LinkValidationError, ...), 400, 413, 422.
  return ErpnextErrors.ERPNEXT_VALIDATION.with(ext, message);
}

/** A success status whose body is not Frappe's, or an error body from something else. */
export function notFrappe(ctx: ErrorContext, reason: string, status: number): DoganError {
  return ErpnextErrors.ERPNEXT_NOT_FRAPPE.with({ excType: null, serverMessages: [], upstreamStatus: status }, ctx.baseUrl, reason);
}

/** No answer: refused, unresolvable, reset, timed out, or a connection the address guard stopped. */
export function errorFromFailure(code: string | undefined, ctx: ErrorContext, timeoutMs: number): DoganError {
  const ext = { excType: null, serverMessages: [], upstreamStatus: null, failure: code ?? null };
  if (code === 'timeout') return ErpnextErrors.ERPNEXT_TIMEOUT.with(ext, ctx.baseUrl, timeoutMs);
  if (code === 'ERPNEXT_ADDRESS_FORBIDDEN') return ErpnextErrors.ERPNEXT_ADDRESS_FORBIDDEN.with(ext, new URL(ctx.baseUrl).hostname, 'a non-public address');
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'the name does not resolve',
    EAI_AGAIN: 'the name did not resolve in time',
    ECONNRESET: 'connection reset',
    UND_ERR_SOCKET: 'the connection closed before an answer',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    CERT_HAS_EXPIRED: 'its TLS certificate has expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
    ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
  };
  const reason = code ? `${why[code] ?? 'connection failed'}: ${code}` : 'connection failed';
  return ErpnextErrors.ERPNEXT_UNREACHABLE.with(ext, ctx.baseUrl, reason);
}
