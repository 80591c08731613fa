/**
 * When to try again: Retry-After parsing, jittered exponential backoff, and which failures are worth
 * another attempt. Pure functions, so the policy is tested without a clock.
 */

/** Statuses worth another attempt: rate limited, and the gateway answers of a restarting or overloaded site. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Network failures before the request reached the server: nothing ran there, so any request,
 * POST included, may be sent again. `EAI_AGAIN` is a DNS server that did not answer in time;
 * `ENOTFOUND` is a name that does not exist and is not retried.
 */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
/** Failures after the request may have been sent: only an idempotent request is sent again. */
const RESET_FAILURES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The wait before attempt `attempt + 1`: base × 2^(attempt−1), capped at max, half of it fixed and
 * half random ("equal jitter"), so clients that failed together do not come back together.
 */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random = Math.random): number {
  const step = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** The errno-style code of a network failure, looking through undici's and Node's wrappers. */
export function failureCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown }; errors?: Array<{ code?: unknown }> } | undefined;
  for (const code of [e?.code, e?.cause?.code, e?.errors?.[0]?.code]) if (typeof code === 'string') return code;
  return undefined;
}

export type FailureKind = 'connect' | 'reset' | 'other';

export function failureKind(code: string | undefined): FailureKind {
  if (code && CONNECT_FAILURES.has(code)) return 'connect';
  if (code && RESET_FAILURES.has(code)) return 'reset';
  return 'other';
}

/** Whether a failed attempt may be repeated: Frappe's 429 rejects before running anything, so always; the rest only when repeating cannot do a thing twice. */
export function isRetryable(outcome: { status: number } | { failure: FailureKind }, idempotent: boolean): boolean {
  if ('status' in outcome) return outcome.status === 429 || (idempotent && RETRY_STATUSES.has(outcome.status));
  return outcome.failure === 'connect' || (idempotent && outcome.failure === 'reset');
}
