import { lookup, type LookupAddress } from 'node:dns';
import { lookup as lookupAsync } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from '@dogan/runtime';
import { Agent } from 'undici';
import { LlmErrors } from './llm-errors.js';

/** The failure code the guarded lookup gives a connection to a refused address. */
export const ADDRESS_FORBIDDEN_CODE = 'LLM_ADDRESS_FORBIDDEN';

/**
 * A provider's base URL as typed: absolute http(s), no credentials, query or fragment; a path is
 * kept (`https://api.openai.com/v1`, `http://ollama:11434/v1`). Answered without a trailing slash,
 * the form request paths are appended to.
 */
export function parseLlmBaseUrl(raw: string): string {
  const shown = JSON.stringify(String(raw).slice(0, 200));
  let url: URL;
  try {
    url = new URL(String(raw).trim());
  } catch {
    throw LlmErrors.LLM_URL_INVALID(shown);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw LlmErrors.LLM_URL_INVALID(shown);
  if (url.username || url.password || url.search || url.hash || String(raw).includes('?') || String(raw).includes('#')) throw LlmErrors.LLM_URL_INVALID(shown);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The host of a base URL as DNS sees it (IPv6 without brackets). */
export function hostOf(baseUrl: string): string {
  return new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
}

/**
 * Whether a provider's host may be connected to: it must resolve, and every address it resolves to
 * must be public unless private networks were allowed. Checked when a profile is saved, for a clear error, and again by the
 * dispatcher on every new connection, so a DNS answer that changes later (rebinding) cannot reach an
 * internal address.
 */
export async function checkLlmAddress(baseUrl: string, allowPrivate: boolean): Promise<void> {
  const host = hostOf(baseUrl);
  let answers: Array<{ address: string }>;
  if (isIP(host)) answers = [{ address: host }];
  else {
    try {
      answers = await lookupAsync(host, { all: true, verbatim: true });
    } catch (err) {
      throw LlmErrors.LLM_UNREACHABLE.with({ provider: null, upstreamStatus: null, failure: 'ENOTFOUND' }, baseUrl, `the name does not resolve: ${(err as NodeJS.ErrnoException).code ?? 'no answer'}`);
    }
  }
  const refused = allowPrivate ? undefined : answers.find((a) => !isPublicAddress(a.address));
  if (refused) throw LlmErrors.LLM_ADDRESS_FORBIDDEN(host, refused.address);
}

/** `net.connect`'s lookup, refusing private answers: the refusal surfaces as a failed connection with ADDRESS_FORBIDDEN_CODE. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (refused || addresses.length === 0) {
        const error = Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: ADDRESS_FORBIDDEN_CODE });
        return callback(error, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export interface LlmDispatcherOptions {
  readonly allowPrivateNetworks: boolean;
  /** Connections per provider origin; default 32 (the tenant limiter bounds what one tenant uses). */
  readonly connections?: number;
  readonly connectTimeoutMs?: number;
}

/**
 * A keep-alive dispatcher for provider calls: connections (and their TLS handshakes) are reused across
 * calls, and every new connection resolves through the address guard. Literal IP hosts skip DNS, so
 * they are checked before every call instead (see `checkLlmAddress`).
 */
export function llmDispatcher(options: LlmDispatcherOptions): Agent {
  return new Agent({
    connections: options.connections ?? 32,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    // Our own deadline covers each attempt end to end; undici's would cut a slow stream between events.
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: { lookup: guardedLookup(options.allowPrivateNetworks), timeout: options.connectTimeoutMs ?? 10_000 },
  });
}
