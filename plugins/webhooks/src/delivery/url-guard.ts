import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from '@dogan/runtime';
import { WebhookErrors } from '../errors.js';

/** Where a delivery connects: the address checked, so the connection never asks DNS again (no rebinding). */
export interface CheckedTarget {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

/** Longest URL a webhook may have. */
export const MAX_URL_LENGTH = 2048;

/** A webhook URL as typed: absolute http(s), no credentials; throws WEBHOOK_URL_INVALID saying why. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw WebhookErrors.WEBHOOK_URL_INVALID('is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw WebhookErrors.WEBHOOK_URL_INVALID(`uses ${url.protocol.slice(0, 20)}`);
  if (url.username || url.password) throw WebhookErrors.WEBHOOK_URL_INVALID('carries credentials');
  if (url.hash) throw WebhookErrors.WEBHOOK_URL_INVALID('has a #fragment');
  return url;
}

/**
 * The SSRF guard of outgoing webhooks, on the address policy module HTTP uses (`isPublicAddress`):
 * the host is resolved here and every answer must be public, unless private networks were opted in
 * (`WEBHOOKS_ALLOW_PRIVATE_NETWORKS`, for tests). Checked at creation and again before every attempt.
 */
export class UrlGuard {
  constructor(private readonly allowPrivate: boolean) {}

  async check(raw: string): Promise<CheckedTarget> {
    const url = parseWebhookUrl(raw);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let answers: Array<{ address: string; family: number }>;
    if (isIP(host)) answers = [{ address: host, family: isIP(host) }];
    else {
      try {
        answers = await lookup(host, { all: true, verbatim: true });
      } catch (err) {
        throw WebhookErrors.WEBHOOK_URL_UNREACHABLE(host, (err as NodeJS.ErrnoException).code ?? 'no answer');
      }
    }
    if (answers.length === 0) throw WebhookErrors.WEBHOOK_URL_UNREACHABLE(host, 'no address');
    // Every answer must be public: a name with one private answer is refused, not tried elsewhere.
    const refused = this.allowPrivate ? undefined : answers.find((a) => !isPublicAddress(a.address));
    if (refused) throw WebhookErrors.WEBHOOK_URL_FORBIDDEN(host, refused.address);
    return { url, address: answers[0]!.address, family: answers[0]!.family === 6 ? 6 : 4 };
  }
}
