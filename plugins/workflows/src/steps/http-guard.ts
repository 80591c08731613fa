import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from '@dogan/runtime';
import { stepFailure } from './step-failures.js';

/**
 * The SSRF guard of the `http` step, on the address policy module HTTP and webhooks use
 * (`isPublicAddress`): the host is resolved once, here; every answer must be public unless private
 * networks were allowed (tests); the request then connects to the address checked, never asking DNS
 * again, so a name that changes its answer between the check and the connection (rebinding) cannot
 * reach an internal address.
 */

/** Where the request connects: the URL as given, and the address checked for its host. */
export interface CheckedTarget {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses (dns.lookup by default; tests give their own). */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>;

export interface GuardOptions {
  readonly allowPrivateNetworks: boolean;
  readonly resolve: Resolver;
}

export const resolveWithDns: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Longest URL the step sends. */
const MAX_URL_LENGTH = 8192;

/** The step's URL as given: absolute http(s) without credentials; anything else can never be sent. */
export function parseStepUrl(raw: string): URL {
  const invalid = (why: string) => stepFailure('WORKFLOW_HTTP_REQUEST_INVALID', `the URL ${why}`, false);
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH) throw invalid(`must be a string of at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`uses ${url.protocol.slice(0, 20)}; only http: and https: are allowed`);
  if (url.username || url.password) throw invalid('carries credentials; send them in a header instead');
  return url;
}

/** Checks the URL and its host's addresses; the target to connect to, or a final failure saying why not. */
export async function checkTarget(raw: string, options: GuardOptions): Promise<CheckedTarget> {
  const url = parseStepUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let answers: ReadonlyArray<{ readonly address: string; readonly family: number }>;
  if (isIP(host)) answers = [{ address: host, family: isIP(host) }];
  else {
    try {
      answers = await options.resolve(host);
    } catch (err) {
      // A name that does not resolve now may resolve later (a DNS server that did not answer, a record being added).
      throw stepFailure('WORKFLOW_HTTP_FAILED', `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'no answer'})`, true, { host });
    }
  }
  if (answers.length === 0) throw stepFailure('WORKFLOW_HTTP_FAILED', `${host} has no address`, true, { host });
  // Every answer must be public: a name with one private answer is refused, not tried elsewhere.
  const refused = options.allowPrivateNetworks ? undefined : answers.find((a) => !isPublicAddress(a.address));
  if (refused) {
    throw stepFailure('WORKFLOW_HTTP_FORBIDDEN_ADDRESS', `${host} resolves to ${refused.address}, a private, loopback, link-local or reserved address; the http step reaches public addresses only`, false, {
      host,
      address: refused.address,
    });
  }
  const first = answers[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
