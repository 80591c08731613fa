import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { ErpnextErrors } from '../errors.js';
import { sharedAgent } from './agent.js';
import { attempt, type AttemptOutcome, type Headers } from './attempt.js';
import { backoffDelay, failureKind, isRetryable, parseRetryAfter } from './backoff.js';
import { errorFromFailure, errorFromReply, notFrappe, type ErrorContext } from './error-map.js';
import { isFrappeShaped, isRecord } from './frappe-reply.js';
import type { RequestLimiter } from './limiter.js';
import type { FrappeClientOptions, RequestInfo } from './types.js';

export interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path from the origin, already encoded (`/api/resource/Sales%20Order`). */
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly json?: unknown;
  readonly raw?: { readonly body: Buffer; readonly contentType: string };
  /** Repeating it cannot do a thing twice: retried on 5xx and resets as well as 429 and refusals. */
  readonly idempotent: boolean;
  /** Where the answer is: `data` (documents, v2) or `message` (v1 methods). */
  readonly expect: 'data' | 'message';
  /** The request asks who the credentials are (a 403 is then a refused key). */
  readonly authProbe?: boolean;
}

const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;
/** What a key or secret may not contain: Frappe splits `key:secret` on the colon, and a header cannot carry control characters. */
function unsendable(value: string): boolean {
  return [...value].some((c) => c === ':' || /\s/.test(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** The site's origin from a base URL, or ERPNEXT_URL_INVALID for anything with more (or less) than that. */
export function siteOrigin(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw ErpnextErrors.ERPNEXT_URL_INVALID(JSON.stringify(String(baseUrl).slice(0, 200)));
  }
  const ok = (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash && url.pathname === '/';
  if (!ok) throw ErpnextErrors.ERPNEXT_URL_INVALID(JSON.stringify(`${url.protocol}//${url.host}${url.pathname}`.slice(0, 200)));
  return url.origin;
}

/**
 * The HTTP side of the client: credentials, one limiter slot and one deadline per attempt, retries
 * with backoff, and every failure turned into an ErpnextErrors code. The authorization header and
 * the secret live in private fields, so inspecting or logging a client shows neither.
 */
export class Transport {
  readonly origin: string;
  readonly #authorization: string;
  readonly #ctx: ErrorContext;
  private readonly siteName: string | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxBytes: number;
  private readonly limiter: RequestLimiter | undefined;
  private readonly checkAddress: ((host: string) => Promise<void>) | undefined;
  private readonly onRequest: ((info: RequestInfo) => void) | undefined;

  constructor(o: FrappeClientOptions) {
    this.origin = siteOrigin(o.baseUrl);
    if (!o.apiKey || !o.apiSecret || unsendable(o.apiKey) || unsendable(o.apiSecret)) {
      throw ErpnextErrors.ERPNEXT_CREDENTIALS_REFUSED(this.origin, 'the API key or secret is empty or has a colon, space or control character, which Frappe cannot read');
    }
    this.#authorization = `token ${o.apiKey}:${o.apiSecret}`;
    this.#ctx = { baseUrl: this.origin, apiSecret: o.apiSecret, authProbe: false };
    this.siteName = o.siteName;
    this.dispatcher = o.dispatcher ?? sharedAgent();
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.attempts = Math.max(1, Math.floor(o.retry?.attempts ?? 4));
    this.baseDelayMs = o.retry?.baseDelayMs ?? 250;
    this.maxDelayMs = o.retry?.maxDelayMs ?? 10_000;
    this.maxBytes = o.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.limiter = o.limiter;
    this.checkAddress = o.checkAddress;
    this.onRequest = o.onRequest;
  }

  /** Sends the call, retrying what may be retried; answers the `data` or `message` of a success. */
  async send(call: Call): Promise<unknown> {
    const url = new URL(call.path, this.origin);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    if (this.checkAddress) await this.checkAddress(url.hostname.replace(/^\[|\]$/g, ''));
    const ctx = call.authProbe ? { ...this.#ctx, authProbe: true } : this.#ctx;
    const body = call.raw ? call.raw.body : call.json === undefined ? undefined : JSON.stringify(call.json);
    const headers: Record<string, string> = { authorization: this.#authorization, accept: 'application/json', 'user-agent': 'dogan-erpnext' };
    if (this.siteName) headers['x-frappe-site-name'] = this.siteName;
    if (call.raw) headers['content-type'] = call.raw.contentType;
    else if (body !== undefined) headers['content-type'] = 'application/json';

    for (let n = 1; ; n++) {
      const release = this.limiter ? await this.limiter.acquire() : undefined;
      const started = performance.now();
      let outcome: AttemptOutcome;
      try {
        outcome = await attempt({ url, method: call.method, headers, ...(body !== undefined ? { body } : {}), dispatcher: this.dispatcher, timeoutMs: this.timeoutMs, maxBytes: this.maxBytes });
      } finally {
        release?.();
      }
      const info = { method: call.method, path: url.pathname, attempt: n, ms: Math.round(performance.now() - started) };
      const verdict = this.judge(outcome, call, n, ctx);
      const retryInMs = 'error' in verdict ? verdict.retryInMs : undefined;
      this.report({ ...info, status: outcome.kind === 'failure' ? null : outcome.status, ...(outcome.kind === 'failure' ? { error: outcome.code ?? 'unknown' } : {}), ...(retryInMs !== undefined ? { retryInMs } : {}) });
      if ('value' in verdict) return verdict.value;
      if (retryInMs === undefined) throw verdict.error;
      await sleep(retryInMs);
    }
  }

  /** What an attempt's outcome means: a value, a wait before the next attempt, or the error to throw. */
  private judge(outcome: AttemptOutcome, call: Call, n: number, ctx: ErrorContext): { value: unknown } | { error: Error; retryInMs?: number } {
    const more = n < this.attempts;
    if (outcome.kind === 'too-large') return { error: ErpnextErrors.ERPNEXT_RESPONSE_TOO_LARGE.with({ excType: null, serverMessages: [], upstreamStatus: outcome.status }, this.origin, this.maxBytes) };
    if (outcome.kind === 'failure') {
      const error = errorFromFailure(outcome.code, ctx, this.timeoutMs);
      // A timeout is not retried: a slow site would only be asked again, and the caller kept waiting several deadlines.
      const retry = more && outcome.code !== 'timeout' && isRetryable({ failure: failureKind(outcome.code) }, call.idempotent);
      return retry ? { error, retryInMs: backoffDelay(n, this.baseDelayMs, this.maxDelayMs) } : { error };
    }
    const { status } = outcome;
    if (status >= 200 && status < 300) return this.unwrap(outcome, call, ctx);
    if (status >= 300 && status < 400) {
      const to = outcome.headers.location;
      return { error: notFrappe(ctx, `HTTP ${status} redirect${to ? ` to ${String(to).slice(0, 200)}` : ''}; save the address it redirects to`, status) };
    }
    const retryAfter = parseRetryAfter(outcome.headers['retry-after']);
    const error = errorFromReply(status, parseBody(outcome.body, outcome.headers), ctx, retryAfter);
    if (!more || !isRetryable({ status }, call.idempotent)) return { error };
    const wait = retryAfter !== undefined ? retryAfter * 1000 : backoffDelay(n, this.baseDelayMs, this.maxDelayMs);
    // A Retry-After longer than we are willing to wait ends the retries now, with its advice in the error.
    return wait <= this.maxDelayMs ? { error, retryInMs: wait } : { error };
  }

  /** A success's `data` or `message`, or ERPNEXT_NOT_FRAPPE when the body is not what Frappe sends. */
  private unwrap(outcome: { status: number; headers: Headers; body: Buffer }, call: Call, ctx: ErrorContext): { value: unknown } | { error: Error } {
    const fail = (reason: string) => ({ error: notFrappe(ctx, `HTTP ${outcome.status} ${reason}`, outcome.status) });
    const type = String(outcome.headers['content-type'] ?? '');
    if (!/\bjson\b/i.test(type)) return fail(`with ${type ? type.split(';')[0] : 'no content type'} instead of JSON`);
    const body = parseBody(outcome.body, outcome.headers);
    if (!isRecord(body)) return fail('with a body that is not a JSON object');
    if (call.expect in body) return { value: body[call.expect] };
    // A whitelisted method that returned None answers `{}` (or only messages): that is Frappe too.
    if (call.expect === 'message' && isFrappeShaped(body)) return { value: undefined };
    return fail(`JSON without "${call.expect}"`);
  }

  private report(info: RequestInfo): void {
    try {
      this.onRequest?.(info);
    } catch {
      // A metrics hook that throws must not fail the request it reports on.
    }
  }
}

/** The body as JSON when it parses, else its text (an HTML error page, say) for the not-Frappe check. */
function parseBody(body: Buffer, headers: Headers): unknown {
  const text = body.toString('utf8');
  if (!/\bjson\b/i.test(String(headers['content-type'] ?? '')) && !/^\s*[{[]/.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
