import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { NetworkPolicy, SandboxLimits } from '../options.js';
import type { HttpGrant } from '../protocol.js';
import { isPublicAddress } from './address-policy.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const DROPPED_REQUEST_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'te', 'trailer', 'keep-alive']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A refusal that ends the fetch with a code (a breach when `breach` is set). */
export class FetchRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly breach = true,
  ) {
    super(message);
  }
}

export interface FetchArgs {
  url: string;
  method: string;
  headers: Record<string, unknown>;
  body: unknown;
}

export interface FetchAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** True when `url` matches `https://host/path/*` (scheme and host exact, `*` only at the end). */
export function urlMatches(pattern: string, url: URL): boolean {
  const target = `${url.protocol}//${url.host}${url.pathname}`;
  return pattern.endsWith('*') ? target.startsWith(pattern.slice(0, -1)) : target === pattern;
}

export function checkGrant(grants: readonly HttpGrant[], method: string, url: URL): void {
  if (grants.length === 0) throw new FetchRefused('SANDBOX_PERMISSION_DENIED', 'http.fetch (no http permission granted)');
  const byUrl = grants.filter((g) => g.urls.some((p) => urlMatches(p, url)));
  if (byUrl.length === 0) throw new FetchRefused('SANDBOX_HTTP_FORBIDDEN', `${url.origin}${url.pathname} is not in the granted allowlist`);
  if (!byUrl.some((g) => g.methods.includes(method))) throw new FetchRefused('SANDBOX_HTTP_FORBIDDEN', `${method} ${url.origin}${url.pathname} is not a granted method`);
}

/** Resolves a host name itself and refuses any answer that is not a public address. */
async function resolvePublic(hostname: string, policy: NetworkPolicy): Promise<{ address: string; family: 4 | 6 }> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const trusted = policy.trustedHosts[bare];
  if (trusted) return { address: trusted, family: isIP(trusted) === 6 ? 6 : 4 };
  let answers: Array<{ address: string; family: number }>;
  if (isIP(bare)) answers = [{ address: bare, family: isIP(bare) }];
  else if (policy.dnsOverrides[bare]) answers = [{ address: policy.dnsOverrides[bare]!, family: isIP(policy.dnsOverrides[bare]!) }];
  else {
    try {
      answers = await lookup(bare, { all: true, verbatim: true });
    } catch {
      throw new FetchRefused('SANDBOX_HTTP_FORBIDDEN', `${bare} does not resolve`, false);
    }
  }
  // Every answer must be public: a name with one private answer is refused, not retried elsewhere.
  const refused = answers.find((a) => !isPublicAddress(a.address));
  if (refused || answers.length === 0) throw new FetchRefused('SANDBOX_HTTP_FORBIDDEN', `${bare} resolves to a private or reserved address (${refused?.address ?? 'none'})`);
  return { address: answers[0]!.address, family: answers[0]!.family === 6 ? 6 : 4 };
}

function requestHeaders(input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  if (!input || typeof input !== 'object') return out;
  for (const [name, value] of Object.entries(input).slice(0, 50)) {
    const key = name.toLowerCase();
    if (DROPPED_REQUEST_HEADERS.has(key) || typeof value !== 'string' || /[\r\n]/.test(value) || !/^[a-z0-9-]{1,100}$/.test(key)) continue;
    out[key] = value.slice(0, 4096);
  }
  return out;
}

function once(url: URL, method: string, headers: Record<string, string>, body: string | undefined, target: { address: string; family: 4 | 6 }, limits: SandboxLimits): Promise<FetchAnswer & { location?: string }> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    // The connection goes to the address checked above, never to a second DNS answer (no rebinding).
    const pinned = (_h: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
      opts.all ? cb(null, [{ address: target.address, family: target.family }]) : cb(null, target.address, target.family);
    const req = client.request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: pinned as never, agent: false, timeout: limits.httpTimeoutMs });
    const timer = setTimeout(() => req.destroy(new FetchRefused('SANDBOX_HTTP_LIMIT', `no answer within ${limits.httpTimeoutMs} ms`)), limits.httpTimeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof FetchRefused ? err : new FetchRefused('SANDBOX_HTTP_FAILED', err.message, false));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxHttpResponseBytes) req.destroy(new FetchRefused('SANDBOX_HTTP_LIMIT', `response larger than ${limits.maxHttpResponseBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') out[k] = v;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8'), location: res.headers.location });
      });
      res.on('error', () => undefined);
    });
    req.end(body);
  });
}

/**
 * One outbound request of a module: allowlist (method and URL) and address checks before the first
 * connection and again on every redirect, a timeout, and a response size limit.
 */
export async function guardedFetch(args: FetchArgs, grants: readonly HttpGrant[], policy: NetworkPolicy, limits: SandboxLimits): Promise<FetchAnswer> {
  let method = String(args.method).toUpperCase();
  if (!METHODS.has(method)) throw new FetchRefused('SANDBOX_HTTP_FORBIDDEN', `method ${method.slice(0, 20)}`);
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    throw new FetchRefused('SANDBOX_INVALID_ARGUMENT', 'http.fetch needs an absolute URL', false);
  }
  const headers = requestHeaders(args.headers);
  let body = args.body === null || args.body === undefined ? undefined : typeof args.body === 'string' ? args.body : JSON.stringify(args.body);
  if (body !== undefined && typeof args.body !== 'string') headers['content-type'] ??= 'application/json';
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused('SANDBOX_HTTP_FORBIDDEN', `scheme ${url.protocol}`);
    if (url.username || url.password) throw new FetchRefused('SANDBOX_HTTP_FORBIDDEN', 'URLs with credentials');
    checkGrant(grants, method, url);
    const target = await resolvePublic(url.hostname, policy);
    const answer = await once(url, method, headers, body, target, limits);
    if (!REDIRECTS.has(answer.status) || !answer.location) return { status: answer.status, headers: answer.headers, body: answer.body };
    if (hop >= limits.maxHttpRedirects) throw new FetchRefused('SANDBOX_HTTP_LIMIT', `more than ${limits.maxHttpRedirects} redirects`);
    url = new URL(answer.location, url);
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}
