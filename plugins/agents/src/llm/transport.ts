import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import type { DoganError } from '@dogan/runtime';
import { ADDRESS_FORBIDDEN_CODE, hostOf, parseLlmBaseUrl } from './address.js';
import { backoffDelay, failureCode, isRetryableFailure, isRetryableStatus, parseRetryAfter } from './backoff.js';
import type { LlmLimiter } from './limiter.js';
import { LlmErrors } from './llm-errors.js';
import type { LlmProviderKind } from './provider.js';
import { readSse, SseLimitError, type SseEvent } from './sse.js';

export interface RetryOptions {
  /** Attempts including the first; default 4. */
  readonly attempts?: number;
  /** First backoff step in ms (doubled per attempt, jittered); default 500. */
  readonly baseDelayMs?: number;
  /** Longest single wait; a Retry-After asking for more ends the retries at once, its advice in the error. Default 20000. */
  readonly maxDelayMs?: number;
  /** Longest total wait across the retries of one call; default 60000. */
  readonly maxTotalWaitMs?: number;
}

/** One HTTP attempt, as metrics and logs see it: never a header or a body. */
export interface LlmRequestInfo {
  readonly provider: LlmProviderKind;
  /** The request path (`/v1/chat/completions`). */
  readonly path: string;
  /** HTTP status, or null when no answer came (refused, reset, timed out). */
  readonly status: number | null;
  readonly ms: number;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly stream: boolean;
  /** Why the attempt failed (`ECONNREFUSED`, `timeout`, `LLM_BAD_RESPONSE`...), when it did. */
  readonly error?: string;
  /** The wait before the next attempt, when this one is retried. */
  readonly retryInMs?: number;
}

export interface LlmClientOptions {
  /** `https://api.openai.com/v1`, `http://localhost:11434/v1`, `https://api.anthropic.com`: no credentials, query or fragment. */
  readonly baseUrl: string;
  /** Optional for local OpenAI-compatible servers (Ollama, vLLM, LM Studio). Kept in a private field, never in an error or a log. */
  readonly apiKey?: string | undefined;
  /** Keep-alive dispatcher; default a module-level one (no address guard: give `llmDispatcher` for tenants' URLs). */
  readonly dispatcher?: Dispatcher;
  /** Per attempt, from sending to the last byte (the last event of a stream); default 120000. */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Per-tenant concurrency; one slot is held per attempt. */
  readonly limiter?: LlmLimiter;
  /** Called with the host before every call (an SSRF guard for literal addresses); throws to refuse. */
  readonly checkAddress?: (host: string) => Promise<void>;
  /** Called after every attempt; see LlmRequestInfo for what it carries (never credentials). */
  readonly onRequest?: (info: LlmRequestInfo) => void;
  /** Answers (or streams) longer than this are refused as LLM_BAD_RESPONSE; default 16 MiB. */
  readonly maxResponseBytes?: number;
}

/** What a provider reports about an answer it cannot use; the transport words it into an LlmErrors code. */
export class ReplyFault extends Error {
  constructor(
    readonly kind: 'bad' | 'unavailable' | 'rate' | 'refused',
    message: string,
    readonly upstreamType?: string,
  ) {
    super(message);
    this.name = 'ReplyFault';
  }
}

/** How a provider reads a successful answer: a JSON body, or a stream of server-sent events. */
export interface ReplyReader<T> {
  json(body: unknown): T;
  /** Reads the events to the end; `emit` hands answer text to the caller as it arrives. */
  stream(events: AsyncIterable<SseEvent>, emit: (text: string) => void): Promise<T>;
  /** The text of a JSON answer, emitted at once when a stream was asked for and the server sent JSON anyway. */
  textOf(value: T): string;
}

export interface PostOptions {
  readonly stream: boolean;
  readonly signal?: AbortSignal | undefined;
  readonly onDelta?: ((text: string) => void) | undefined;
}

type Outcome<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'status'; readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly text: string }
  | { readonly kind: 'failure'; readonly code: string | undefined; readonly status: number | null; readonly detail?: string }
  | { readonly kind: 'fault'; readonly fault: ReplyFault; readonly status: number }
  | { readonly kind: 'aborted' };

const ERROR_BODY_BYTES = 64 * 1024;
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

const FAILURE_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name did not resolve in time',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection broken',
  UND_ERR_SOCKET: 'the connection closed before the answer was complete',
  UND_ERR_CLOSED: 'the connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the answer was shorter than its Content-Length',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
};
const reasonOf = (code: string | undefined) => (code ? `${FAILURE_REASONS[code] ?? 'connection failed'}: ${code}` : 'connection failed');

/** Belt and braces: a server that echoed the key back must not get it into our errors or logs. */
export function redact(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

/** What a header may not carry; a key with these would be refused by undici with the key in the message. */
function unsendable(value: string): boolean {
  return [...value].some((c) => /\s/.test(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

let sharedDispatcher: Dispatcher | undefined;
/** The module-level keep-alive dispatcher providers use when given none. */
function defaultDispatcher(): Dispatcher {
  sharedDispatcher ??= new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, headersTimeout: 0, bodyTimeout: 0, connect: { timeout: 10_000 } });
  return sharedDispatcher;
}

/**
 * The HTTP side of a provider: credentials, one limiter slot and one deadline per attempt, retries
 * with jittered backoff honouring Retry-After (bounded attempts and total wait), and every failure
 * turned into an LlmErrors code. Auth headers live in a private field: inspecting or logging a
 * provider shows no key.
 */
export class LlmTransport {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #secret: string | undefined;
  private readonly kind: LlmProviderKind;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxTotalWaitMs: number;
  private readonly maxBytes: number;
  private readonly limiter: LlmLimiter | undefined;
  private readonly checkAddress: ((host: string) => Promise<void>) | undefined;
  private readonly onRequest: ((info: LlmRequestInfo) => void) | undefined;

  /**
   * `authHeaders` turns the key into the provider's headers (`authorization`, `x-api-key`); `headers`
   * are sent on every request besides them (`anthropic-version`).
   */
  constructor(kind: LlmProviderKind, o: LlmClientOptions, authHeaders: (apiKey: string) => Record<string, string>, headers: Record<string, string> = {}) {
    this.kind = kind;
    this.baseUrl = parseLlmBaseUrl(o.baseUrl);
    const key = o.apiKey ? o.apiKey : undefined;
    if (key !== undefined && unsendable(key)) {
      throw LlmErrors.LLM_CREDENTIALS_REFUSED.with(this.ext(null), this.baseUrl, 'the API key has spaces or control characters, which no provider accepts');
    }
    this.#secret = key;
    this.#headers = { 'content-type': 'application/json', 'user-agent': 'dogan-agents', ...headers, ...(key !== undefined ? authHeaders(key) : {}) };
    this.dispatcher = o.dispatcher;
    this.timeoutMs = o.timeoutMs ?? 120_000;
    this.attempts = Math.max(1, Math.floor(o.retry?.attempts ?? 4));
    this.baseDelayMs = o.retry?.baseDelayMs ?? 500;
    this.maxDelayMs = o.retry?.maxDelayMs ?? 20_000;
    this.maxTotalWaitMs = o.retry?.maxTotalWaitMs ?? 60_000;
    this.maxBytes = o.maxResponseBytes ?? DEFAULT_MAX_BYTES;
    this.limiter = o.limiter;
    this.checkAddress = o.checkAddress;
    this.onRequest = o.onRequest;
  }

  /** POSTs `body` as JSON to `path` under the base URL and reads the answer, retrying what may be retried. */
  async post<T>(path: string, body: unknown, options: PostOptions, reader: ReplyReader<T>): Promise<T> {
    const { signal } = options;
    const url = new URL(`${this.baseUrl}${path}`);
    if (this.checkAddress) await this.checkAddress(hostOf(this.baseUrl));
    const payload = JSON.stringify(body);
    const dispatcher = this.dispatcher ?? defaultDispatcher();
    let waited = 0;
    for (let n = 1; ; n++) {
      signal?.throwIfAborted();
      let emitted = false;
      const emit = (text: string) => {
        if (!text) return;
        emitted = true;
        try {
          options.onDelta?.(text);
        } catch {
          // A listener that throws must not fail the call it listens to.
        }
      };
      const release = this.limiter ? await this.limiter.acquire(signal) : undefined;
      const started = performance.now();
      let outcome: Outcome<T>;
      try {
        outcome = await this.attempt(url, payload, dispatcher, options, reader, emit);
      } finally {
        release?.();
      }
      if (outcome.kind === 'aborted') throw signal?.reason ?? new Error('aborted');
      const verdict = this.judge(outcome, n, waited, emitted);
      const info: LlmRequestInfo = {
        provider: this.kind,
        path: url.pathname,
        status: outcome.kind === 'status' || outcome.kind === 'fault' ? outcome.status : outcome.kind === 'failure' ? outcome.status : 200,
        ms: Math.round(performance.now() - started),
        attempt: n,
        stream: options.stream,
        ...('error' in verdict ? { error: outcome.kind === 'failure' ? (outcome.code ?? 'unknown') : verdict.error.code } : {}),
        ...('retryInMs' in verdict && verdict.retryInMs !== undefined ? { retryInMs: verdict.retryInMs } : {}),
      };
      this.report(info);
      if ('value' in verdict) return verdict.value;
      if (verdict.retryInMs === undefined) throw verdict.error;
      waited += verdict.retryInMs;
      try {
        await sleep(verdict.retryInMs, undefined, signal ? { signal } : undefined);
      } catch {
        throw signal?.reason ?? verdict.error;
      }
    }
  }

  /** One exchange under one deadline covering the send, the headers and the whole body or stream. Never throws. */
  private async attempt<T>(url: URL, payload: string, dispatcher: Dispatcher, options: PostOptions, reader: ReplyReader<T>, emit: (text: string) => void): Promise<Outcome<T>> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let status: number | null = null;
    try {
      const headers = { ...this.#headers, accept: options.stream ? 'text/event-stream' : 'application/json' };
      const res = await request(url, { method: 'POST', headers, body: payload, dispatcher, signal: controller.signal });
      status = res.statusCode;
      const type = String(res.headers['content-type'] ?? '');
      if (status < 200 || status >= 300) {
        const { text } = await readBounded(res.body, ERROR_BODY_BYTES);
        return { kind: 'status', status, headers: res.headers, text };
      }
      if (options.stream && /\btext\/event-stream\b/i.test(type)) {
        return { kind: 'value', value: await reader.stream(readSse(capped(res.body, this.maxBytes)), emit) };
      }
      if (!/\bjson\b/i.test(type)) {
        const { text } = await readBounded(res.body, 200);
        const looks = /^\s*</.test(text) ? ' (an HTML page: the base URL likely points at a website, not the API)' : '';
        return { kind: 'fault', status, fault: new ReplyFault('bad', `HTTP ${status} with ${type ? type.split(';')[0] : 'no content type'} instead of ${options.stream ? 'an event stream or ' : ''}JSON${looks}`) };
      }
      const { text, truncated } = await readBounded(res.body, this.maxBytes);
      if (truncated) return { kind: 'fault', status, fault: new ReplyFault('bad', `the answer is larger than ${this.maxBytes} bytes`) };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { kind: 'fault', status, fault: new ReplyFault('bad', `the body is not JSON (${text.length === 0 ? 'empty' : `${text.length} bytes, cut off or malformed`})`) };
      }
      const value = reader.json(parsed);
      if (options.stream) emit(reader.textOf(value));
      return { kind: 'value', value };
    } catch (err) {
      if (options.signal?.aborted) return { kind: 'aborted' };
      if (timedOut) return { kind: 'failure', code: 'timeout', status };
      if (err instanceof ReplyFault) return { kind: 'fault', fault: err, status: status ?? 0 };
      if (err instanceof SseLimitError || err instanceof BodyLimitError) return { kind: 'fault', status: status ?? 0, fault: new ReplyFault('bad', err.message) };
      const code = failureCode(err);
      // An answer came and reading it failed for no network reason: our reader met something it did not expect.
      if (status !== null && code === undefined) return { kind: 'fault', status, fault: new ReplyFault('bad', (err as Error)?.message ?? String(err)) };
      return { kind: 'failure', code, status };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** What an attempt's outcome means: a value, a wait before the next attempt, or the error to throw. */
  private judge<T>(outcome: Exclude<Outcome<T>, { kind: 'aborted' }>, n: number, waited: number, emitted: boolean): { value: T } | { error: DoganError; retryInMs?: number } {
    const more = n < this.attempts;
    const backoff = () => {
      const wait = backoffDelay(n, this.baseDelayMs, this.maxDelayMs);
      return more && waited + wait <= this.maxTotalWaitMs ? wait : undefined;
    };
    switch (outcome.kind) {
      case 'value':
        return { value: outcome.value };
      case 'fault': {
        const { fault } = outcome;
        const message = redact(fault.message, this.#secret).slice(0, 500);
        const ext = { ...this.ext(outcome.status, fault.upstreamType), attempts: n };
        if (fault.kind === 'bad') return { error: LlmErrors.LLM_BAD_RESPONSE.with(ext, this.baseUrl, message) };
        if (fault.kind === 'refused') return { error: LlmErrors.LLM_REQUEST_REFUSED.with(ext, this.baseUrl, outcome.status, message) };
        // An error event in a stream: worth another attempt only while nothing reached the caller.
        const retryInMs = emitted ? undefined : backoff();
        const error =
          fault.kind === 'rate'
            ? LlmErrors.LLM_RATE_LIMITED.with({ ...ext, retryAfterSeconds: null }, this.baseUrl, message, 'a few')
            : LlmErrors.LLM_UNAVAILABLE.with(ext, this.baseUrl, `${emitted ? 'the stream broke off: ' : ''}${message}`);
        return retryInMs === undefined ? { error } : { error, retryInMs };
      }
      case 'failure': {
        const ext = { ...this.ext(outcome.status), failure: outcome.code ?? null, attempts: n };
        if (outcome.code === 'timeout') return { error: LlmErrors.LLM_TIMEOUT.with(ext, this.baseUrl, this.timeoutMs) };
        if (outcome.code === ADDRESS_FORBIDDEN_CODE) return { error: LlmErrors.LLM_ADDRESS_FORBIDDEN.with(ext, hostOf(this.baseUrl), 'a non-public address') };
        // A stream that broke off after text reached the caller cannot be taken back and asked again.
        if (emitted) return { error: LlmErrors.LLM_BAD_RESPONSE.with(ext, this.baseUrl, `the stream broke off: ${reasonOf(outcome.code)}`) };
        const error =
          outcome.status !== null
            ? LlmErrors.LLM_BAD_RESPONSE.with(ext, this.baseUrl, `the answer broke off: ${reasonOf(outcome.code)}`)
            : LlmErrors.LLM_UNREACHABLE.with(ext, this.baseUrl, reasonOf(outcome.code));
        const retryInMs = isRetryableFailure(outcome.code) ? backoff() : undefined;
        return retryInMs === undefined ? { error } : { error, retryInMs };
      }
      case 'status':
        return this.judgeStatus(outcome, n, waited, more);
    }
  }

  private judgeStatus(outcome: { status: number; headers: Record<string, string | string[] | undefined>; text: string }, n: number, waited: number, more: boolean): { error: DoganError; retryInMs?: number } {
    const { status, headers } = outcome;
    const upstream = readProviderError(outcome.text);
    const message = redact(upstream.message ?? `HTTP ${status}`, this.#secret).slice(0, 500);
    const retryAfter = parseRetryAfter(headers);
    const ext = { ...this.ext(status, upstream.type), attempts: n };
    let error: DoganError;
    if (status === 401 || status === 403) error = LlmErrors.LLM_CREDENTIALS_REFUSED.with(ext, this.baseUrl, `HTTP ${status}: ${message}`);
    else if (status === 429) {
      const seconds = retryAfter === undefined ? undefined : Math.ceil(retryAfter);
      error = LlmErrors.LLM_RATE_LIMITED.with({ ...ext, retryAfterSeconds: seconds ?? null }, this.baseUrl, message, seconds ?? 'a few');
    } else if (status >= 500 || status === 408) error = LlmErrors.LLM_UNAVAILABLE.with(ext, this.baseUrl, `HTTP ${status}${upstream.type ? ` ${upstream.type}` : ''}: ${message}`);
    else if (status >= 300 && status < 400) {
      const to = headers.location;
      error = LlmErrors.LLM_BAD_RESPONSE.with(ext, this.baseUrl, `HTTP ${status} redirect${to ? ` to ${String(to).slice(0, 200)}` : ''}; save the address it redirects to`);
    } else if (status === 404) error = LlmErrors.LLM_REQUEST_REFUSED.with(ext, this.baseUrl, status, `${message}; check the base URL and the model name`);
    else error = LlmErrors.LLM_REQUEST_REFUSED.with(ext, this.baseUrl, status, message);

    const hint = first(headers['x-should-retry']);
    const retryable = hint === 'true' ? true : hint === 'false' ? false : isRetryableStatus(status);
    if (!more || !retryable) return { error };
    const wait = retryAfter !== undefined ? Math.round(retryAfter * 1000) : backoffDelay(n, this.baseDelayMs, this.maxDelayMs);
    // A wait longer than we are willing to spend ends the retries now, with the provider's advice in the error.
    if (wait > this.maxDelayMs || waited + wait > this.maxTotalWaitMs) return { error };
    return { error, retryInMs: wait };
  }

  private ext(status: number | null, upstreamType?: string) {
    return { provider: this.kind, upstreamStatus: status, upstreamType: upstreamType ?? null };
  }

  private report(info: LlmRequestInfo): void {
    try {
      this.onRequest?.(info);
    } catch {
      // A metrics hook that throws must not fail the call it reports on.
    }
  }
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase();

/**
 * The message and type of a provider's error body: OpenAI's `{error: {message, type, code}}`,
 * Anthropic's `{type: 'error', error: {type, message}}`, Ollama's `{error: "..."}`, vLLM's
 * `{message, type}` or FastAPI's `{detail}`; else the start of the text.
 */
export function readProviderError(text: string): { message: string | undefined; type: string | undefined } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    return { message: plain ? plain.slice(0, 200) : undefined, type: undefined };
  }
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  if (typeof body !== 'object' || body === null) return { message: str(body), type: undefined };
  const b = body as Record<string, unknown>;
  const e = b.error;
  if (typeof e === 'object' && e !== null) {
    const inner = e as Record<string, unknown>;
    return { message: str(inner.message), type: str(inner.type) ?? str(inner.code) };
  }
  const detail = typeof b.detail === 'string' ? b.detail : b.detail !== undefined ? JSON.stringify(b.detail).slice(0, 300) : undefined;
  return { message: str(e) ?? str(b.message) ?? str(detail), type: str(b.type) === 'error' ? undefined : str(b.type) };
}

class BodyLimitError extends Error {}

/** The body's text up to `limit` bytes; the rest is dropped and the connection with it. */
async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (size + buf.length > limit) {
      chunks.push(buf.subarray(0, limit - size));
      body.on('error', () => undefined);
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    size += buf.length;
    chunks.push(buf);
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), truncated: false };
}

/** The body's chunks, refused past `limit` bytes in all, so a runaway stream cannot go on for ever. */
async function* capped(body: Dispatcher.ResponseData['body'], limit: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyLimitError(`the stream is longer than ${limit} bytes`);
    yield chunk as Buffer;
  }
}
