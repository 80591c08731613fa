import { lookup, type LookupAddress } from 'node:dns';
import { lookup as lookupAsync } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from '@dogan/runtime';
import { Agent } from 'undici';
import { ErpnextErrors } from '../errors.js';

/**
 * A site's base URL as typed: absolute http(s), no credentials, path, query or fragment; answered as
 * its origin (`https://erp.example.com`), the form every request path is appended to.
 */
export function parseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw ErpnextErrors.ERPNEXT_URL_INVALID(JSON.stringify(raw.slice(0, 200)));
  }
  const shown = JSON.stringify(raw.slice(0, 200));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw ErpnextErrors.ERPNEXT_URL_INVALID(shown);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) throw ErpnextErrors.ERPNEXT_URL_INVALID(shown);
  return url.origin;
}

/**
 * Whether a host may be connected to: every address it resolves to must be public unless private
 * networks were allowed (ERPNEXT_ALLOW_PRIVATE_NETWORKS). Checked when a connection is saved, for a
 * clear error, and again by the dispatcher on every new connection, so a DNS answer that changes
 * after the save (rebinding) cannot reach an internal address.
 */
export async function checkSiteAddress(baseUrl: string, allowPrivate: boolean): Promise<void> {
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
  let answers: Array<{ address: string }>;
  if (isIP(host)) answers = [{ address: host }];
  else {
    try {
      answers = await lookupAsync(host, { all: true, verbatim: true });
    } catch (err) {
      throw ErpnextErrors.ERPNEXT_UNREACHABLE(baseUrl, `the name does not resolve: ${(err as NodeJS.ErrnoException).code ?? 'no answer'}`);
    }
  }
  const refused = allowPrivate ? undefined : answers.find((a) => !isPublicAddress(a.address));
  if (refused) throw ErpnextErrors.ERPNEXT_ADDRESS_FORBIDDEN(host, refused.address);
}

/** `net.connect`'s lookup, refusing private answers: the error surfaces as a failed connection. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (refused || addresses.length === 0) {
        const error = Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: 'ERPNEXT_ADDRESS_FORBIDDEN' });
        return callback(error, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * The plugin's one keep-alive dispatcher: connections to a tenant's site are reused across requests
 * (the bench shows what that saves), and every new connection resolves through the address guard.
 */
export function siteDispatcher(allowPrivate: boolean, timeoutMs: number): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connections: 16,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { lookup: guardedLookup(allowPrivate), timeout: Math.min(timeoutMs, 10_000) },
  });
}
