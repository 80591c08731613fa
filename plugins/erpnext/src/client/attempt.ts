import { request, type Dispatcher } from 'undici';
import { failureCode } from './backoff.js';

export interface AttemptRequest {
  readonly url: URL;
  readonly method: Dispatcher.HttpMethod;
  readonly headers: Record<string, string>;
  readonly body?: Buffer | string;
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export type Headers = Record<string, string | string[] | undefined>;

export type AttemptOutcome =
  | { readonly kind: 'answer'; readonly status: number; readonly headers: Headers; readonly body: Buffer }
  | { readonly kind: 'too-large'; readonly status: number }
  /** `code` is `timeout` for our own deadline, else the network error's code. */
  | { readonly kind: 'failure'; readonly code: string | undefined };

/**
 * One HTTP exchange under one deadline covering the send, the headers and the whole body (undici's
 * own headers/body timeouts restart on every chunk, so a site trickling bytes would never time out).
 * The body is read up to `maxBytes` and the connection dropped past that, so a runaway answer
 * cannot fill memory. Never throws: the caller decides what an outcome means.
 */
export async function attempt(req: AttemptRequest): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body ?? null,
      dispatcher: req.dispatcher,
      signal: controller.signal,
    });
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > req.maxBytes) return drop(res.body, res.statusCode);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > req.maxBytes) return drop(res.body, res.statusCode);
      chunks.push(chunk as Buffer);
    }
    return { kind: 'answer', status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks, size) };
  } catch (err) {
    return { kind: 'failure', code: timedOut ? 'timeout' : failureCode(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Stops reading an answer we will not use; the abort this causes is expected, not an error to surface. */
function drop(body: Dispatcher.ResponseData['body'], status: number): AttemptOutcome {
  body.on('error', () => undefined);
  body.destroy();
  return { kind: 'too-large', status };
}
