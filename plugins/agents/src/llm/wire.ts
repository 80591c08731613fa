/** Small readers shared by the providers' translations of untyped JSON. */
import { ReplyFault } from './transport.js';

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A count of tokens: a non-negative whole number, else 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

export function bad(what: string): never {
  throw new ReplyFault('bad', what);
}

/** The data of one event as JSON, or LLM_BAD_RESPONSE naming the event. */
export function eventJson(data: string, n: number): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    bad(`event ${n} of the stream is not JSON (${data.length} bytes, cut off or malformed)`);
  }
  if (!isRecord(parsed)) bad(`event ${n} of the stream is not a JSON object`);
  return parsed;
}

/** An error the provider reported inside a 200 answer or a stream, as the fault the transport words. */
export function streamedError(error: unknown, fallback: string): ReplyFault {
  const e = isRecord(error) ? error : {};
  const type = typeof e.type === 'string' ? e.type : typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' && e.message ? e.message : typeof error === 'string' ? error : fallback;
  const kind = /rate|429/i.test(type ?? '') ? 'rate' : /invalid_request|400/i.test(type ?? '') ? 'refused' : 'unavailable';
  return new ReplyFault(kind, `${type ? `${type}: ` : ''}${message}`, type);
}
