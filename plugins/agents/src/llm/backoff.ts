/**
 * When to try an LLM call again: the provider's Retry-After advice, jittered exponential backoff,
 * and which failures are worth another attempt. Pure functions, tested without a clock.
 */

/** Statuses worth another attempt: timeouts, rate limits, server failures and Anthropic's 529 Overloaded. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Network failures where nothing reached the server, or the connection broke before an answer: a chat call may be sent again. */
const RETRYABLE_FAILURES = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export function isRetryableFailure(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_FAILURES.has(code);
}

type HeaderValue = string | string[] | undefined;
const first = (value: HeaderValue) => (Array.isArray(value) ? value[0] : value)?.trim();

/**
 * Seconds the provider asks us to wait: `retry-after-ms` (OpenAI's, more precise) or `retry-after`
 * as delta-seconds or an HTTP date. Undefined when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(headers: Record<string, HeaderValue>, now = Date.now()): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms) / 1000;
  const raw = first(headers['retry-after']);
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - now) / 1000);
}

/**
 * The wait before attempt `attempt + 1`: base × 2^(attempt−1), capped at max, half fixed and half
 * random ("equal jitter"), so agents that failed together do not come back together.
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
