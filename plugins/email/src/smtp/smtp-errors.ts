import { isDoganError } from '@dogan/runtime';
import type { EmailErrorCode } from '../errors.js';

/** What a failed attempt means for the message. */
export interface SmtpFailure {
  readonly code: EmailErrorCode;
  /** The server's words (or the socket's), never the credentials. */
  readonly message: string;
  /** Worth trying again later: the server deferred it, could not be reached, or refused the login (which an admin may fix). */
  readonly retry: boolean;
  /** Recipients the server refused for good (5xx at RCPT TO): hard bounces, to suppress. */
  readonly rejected: readonly string[];
}

/** What nodemailer puts on its errors. */
interface NodemailerError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly command?: string;
  readonly message?: string;
  readonly rejected?: readonly string[];
  readonly rejectedErrors?: ReadonlyArray<{ recipient?: string; responseCode?: number }>;
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** 503 (bad sequence of commands) says the session was in the wrong state, not that the message was refused. */
const permanent = (code: number | undefined) => code !== undefined && code >= 500 && code < 600 && code !== 503;
const clean = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 400);

/** The 5xx refusals among per-recipient errors. */
export function hardRejected(errors: NodemailerError['rejectedErrors']): string[] {
  return (errors ?? []).filter((e) => permanent(e.responseCode) && typeof e.recipient === 'string').map((e) => e.recipient!);
}

/**
 * Sorts a failure of nodemailer (or of our own checks) into what the queue does with it: a refused
 * login is EMAIL_SMTP_AUTH_FAILED, an unreachable server EMAIL_SMTP_UNREACHABLE (both retried), a 4xx
 * EMAIL_SMTP_TEMPORARY (retried), a 5xx at RCPT TO EMAIL_RECIPIENT_REJECTED (a hard bounce: failed,
 * the address suppressed), any other 5xx EMAIL_SMTP_REJECTED (failed).
 */
export function classifySmtpError(err: unknown): SmtpFailure {
  if (isDoganError(err)) {
    // Our own refusals before a connection (no settings, a forbidden address): a change of settings can fix them.
    return { code: err.code as EmailErrorCode, message: err.message, retry: true, rejected: [] };
  }
  const e = (err ?? {}) as NodemailerError;
  const response = clean(e.response) || clean(e.message);
  if (e.code === 'EAUTH' || (e.command?.startsWith('AUTH') && e.responseCode !== undefined)) {
    return { code: 'EMAIL_SMTP_AUTH_FAILED', message: response || 'authentication failed', retry: true, rejected: [] };
  }
  if (e.code === 'EENVELOPE' && e.command === 'RCPT TO') {
    const rejected = hardRejected(e.rejectedErrors);
    const deferred = (e.rejectedErrors ?? []).some((r) => r.responseCode !== undefined && !permanent(r.responseCode));
    if (rejected.length > 0 && !deferred) return { code: 'EMAIL_RECIPIENT_REJECTED', message: response, retry: false, rejected };
    return { code: 'EMAIL_SMTP_TEMPORARY', message: response, retry: true, rejected };
  }
  if (e.responseCode !== undefined && e.responseCode >= 400 && e.responseCode < 500) return { code: 'EMAIL_SMTP_TEMPORARY', message: response, retry: true, rejected: [] };
  if (permanent(e.responseCode)) {
    if (e.command === 'RCPT TO') return { code: 'EMAIL_RECIPIENT_REJECTED', message: response, retry: false, rejected: hardRejected(e.rejectedErrors) };
    return { code: 'EMAIL_SMTP_REJECTED', message: response, retry: false, rejected: [] };
  }
  if (e.code !== undefined && (CONNECTION_CODES.has(e.code) || e.command === 'CONN')) return { code: 'EMAIL_SMTP_UNREACHABLE', message: response || e.code, retry: true, rejected: [] };
  return { code: 'EMAIL_SMTP_UNREACHABLE', message: response || 'the SMTP exchange failed', retry: true, rejected: [] };
}
