import type { LookupFunction } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import type { HttpStep } from '../definition/types.js';
import { checkTarget, resolveWithDns, type CheckedTarget, type Resolver } from './http-guard.js';
import { abortable, stepFailure } from './step-failures.js';
import { StepFailure, type StepContext, type StepExecutor, type StepOutcome } from './step-executor.js';

/**
 * `http`: one request to a public address (http-guard.ts), sent once per call: redirects are not
 * followed (a 3xx is a final failure naming where it pointed), so an answer cannot bounce the step
 * to an internal address.
 *
 * Idempotency: the request carries the attempt's key as `Idempotency-Key`, the header payment and
 * other APIs use to do a repeated request's work once; a resumed attempt sends the same key.
 *
 * Retries: no answer (refused, reset, DNS not answering) and the statuses that say "later" (408, 429,
 * 5xx) are retried; any other 4xx is the receiver refusing this request and is final, as are a
 * refused address, an invalid request and an answer larger than the step reads.
 */

export interface HttpStepOptions {
  /** Lets the step reach private, loopback and link-local addresses: tests only. Default false. */
  readonly allowPrivateNetworks?: boolean;
  /** Most bytes of an answer's body the step reads; default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** Host name resolution (tests); default dns.lookup. */
  readonly resolve?: Resolver;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Request headers the step sets or the connection owns: the definition's values are dropped. */
const OWNED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization', 'proxy-connection', 'idempotency-key']);
/** Answer headers the output keeps: enough to read the answer and follow up on it. */
const KEPT_HEADERS = ['content-type', 'content-length', 'etag', 'last-modified', 'location', 'retry-after', 'x-request-id'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

function requestHeaders(step: HttpStep, ctx: StepContext): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'Dogan-Workflows/0.1' };
  for (const [name, value] of Object.entries(step.headers ?? {})) {
    if (!TOKEN.test(name)) throw stepFailure('WORKFLOW_HTTP_REQUEST_INVALID', `the header name ${JSON.stringify(name.slice(0, 100))} is not a valid HTTP header name`, false);
    // A reference may stand for a number or a boolean: its text is the header; anything else is no header value.
    const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    if (typeof text !== 'string' || BAD_VALUE.test(text)) throw stepFailure('WORKFLOW_HTTP_REQUEST_INVALID', `the header ${name} must be text without line breaks`, false);
    if (!OWNED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = text;
  }
  headers['idempotency-key'] = ctx.idempotencyKey;
  return headers;
}

/** The body as sent: JSON, unless it is text the definition gave its own content type for. */
function requestBody(step: HttpStep, headers: Record<string, string>): string | undefined {
  if (step.body === undefined) return undefined;
  if (typeof step.body === 'string' && headers['content-type'] !== undefined) return step.body;
  headers['content-type'] ??= 'application/json';
  return JSON.stringify(step.body);
}

/** A dispatcher whose only connection goes to the checked address: DNS is not asked again. */
function pinnedAgent(target: CheckedTarget): Agent {
  const lookup = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
  return new Agent({ pipelining: 0, connect: { lookup } });
}

/** The body read up to `max` bytes; a larger one is dropped unread and fails the step. */
async function readBody(response: Dispatcher.ResponseData, max: number, what: string): Promise<Buffer> {
  const tooLarge = () => stepFailure('WORKFLOW_HTTP_RESPONSE_TOO_LARGE', `${what} answered more than ${max} bytes`, false, { status: response.statusCode, maxBytes: max });
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      response.body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** JSON when the answer says so and is; text otherwise; null when empty. */
function parseBody(bytes: Buffer, contentType: string | undefined): unknown {
  if (bytes.length === 0) return null;
  const text = bytes.toString('utf8');
  if (contentType && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function transportFailure(err: unknown, what: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'UND_ERR_INVALID_ARG') return stepFailure('WORKFLOW_HTTP_REQUEST_INVALID', `${what}: ${(err as Error).message}`, false);
  if (typeof code !== 'string' && !(err instanceof Error)) return err;
  // No answer came: a refused or reset connection, a TLS failure, a socket closed early. Another attempt may get one.
  return stepFailure('WORKFLOW_HTTP_FAILED', `${what}: no answer (${typeof code === 'string' ? code : (err as Error).message})`, true, { cause: typeof code === 'string' ? code : null });
}

export function httpExecutor(options: HttpStepOptions = {}): StepExecutor<HttpStep> {
  const guard = { allowPrivateNetworks: options.allowPrivateNetworks ?? false, resolve: options.resolve ?? resolveWithDns };
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return {
    type: 'http',
    defaultTimeoutMs: 30_000,
    async perform(step: HttpStep, ctx: StepContext): Promise<StepOutcome> {
      // What can never be sent is refused before anything is resolved.
      const headers = requestHeaders(step, ctx);
      const body = requestBody(step, headers);
      const target = await abortable(ctx.signal, checkTarget(step.url, guard));
      const what = `${step.method} ${target.url.origin}${target.url.pathname}`;
      const agent = pinnedAgent(target);
      try {
        const response = await request(target.url, { method: step.method, headers, body, signal: ctx.signal, dispatcher: agent });
        const bytes = await readBody(response, maxBytes, what);
        const status = response.statusCode;
        const contentType = header(response.headers, 'content-type');
        const parsed = parseBody(bytes, contentType);
        if (status >= 200 && status < 300) {
          const kept: Record<string, string> = {};
          for (const name of KEPT_HEADERS) {
            const value = header(response.headers, name);
            if (value !== undefined) kept[name] = value;
          }
          return { kind: 'done', output: { status, headers: kept, body: parsed } };
        }
        const retryable = status === 408 || status === 429 || status >= 500;
        const location = status >= 300 && status < 400 ? header(response.headers, 'location') : undefined;
        const retryAfter = header(response.headers, 'retry-after');
        const excerpt = bytes.toString('utf8', 0, Math.min(bytes.length, 500));
        const why = location !== undefined ? `; redirects are not followed (to ${location.slice(0, 200)})` : excerpt ? `: ${excerpt}` : '';
        throw stepFailure('WORKFLOW_HTTP_FAILED', `${what} answered ${status}${why}`, retryable, {
          status,
          body: excerpt,
          ...(location === undefined ? {} : { location }),
          ...(retryAfter === undefined ? {} : { retryAfter }),
        });
      } catch (err) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        if (err instanceof StepFailure) throw err;
        throw transportFailure(err, what);
      } finally {
        await agent.destroy().catch(() => undefined);
      }
    },
  };
}
