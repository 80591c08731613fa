import http from 'node:http';
import https from 'node:https';
import { isDoganError } from '@dogan/runtime';
import type { UrlGuard } from './url-guard.js';

/** What one attempt came to: `delivered` on a 2xx, else the status or error that failed it. */
export interface AttemptOutcome {
  readonly delivered: boolean;
  /** The receiver's status code; null when no answer came. */
  readonly status: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

export interface OutgoingRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Bytes of a receiver's answer read before the connection is dropped: the body is never kept. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One POST of a delivery. The URL passes the guard again (DNS may have changed since creation), the
 * connection goes to the address the guard checked, and redirects are not followed: a 3xx is a
 * failed attempt naming where it pointed, so a receiver cannot bounce a delivery to a private address.
 */
export async function sendWebhook(guard: UrlGuard, request: OutgoingRequest, timeoutMs: number): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target;
  try {
    target = await guard.check(request.url);
  } catch (err) {
    // A refusal by the guard is this attempt's failure, recorded in the delivery log; anything else is a bug.
    if (!isDoganError(err)) throw err;
    return { delivered: false, status: null, durationMs: elapsed(), error: `${err.code}: ${err.message}` };
  }
  return new Promise((resolve) => {
    const client = target.url.protocol === 'https:' ? https : http;
    const pinned = (_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
      opts.all ? cb(null, [{ address: target.address, family: target.family }]) : cb(null, target.address, target.family);
    let settled = false;
    const finish = (status: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ delivered: status !== null && status >= 200 && status < 300 && error === null, status, durationMs: elapsed(), error });
    };
    const req = client.request(target.url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup: pinned as never,
      agent: false,
    });
    const timer = setTimeout(() => {
      finish(null, `no answer within ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(null, `${err.code ?? 'ERROR'}: ${err.message}`.slice(0, 300)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      res.on('error', () => undefined);
      res.on('close', () => {
        if (status >= 300 && status < 400) finish(status, `redirect${location ? ` to ${location.slice(0, 200)}` : ''} not followed: webhooks are delivered to the URL given, not redirected`);
        else finish(status, status >= 200 && status < 300 ? null : `receiver answered ${status}`);
      });
    });
    req.end(request.body);
  });
}
