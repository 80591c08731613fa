import type { ProblemShape, RouteAnswer } from '../protocol.js';

/** Response headers a module may set; everything else it returns is dropped. */
const ALLOWED_HEADERS = new Set(['content-type', 'cache-control', 'etag', 'last-modified', 'content-language', 'content-disposition', 'location', 'vary', 'expires']);
const MODULE_HEADER = /^x-[a-z0-9-]{1,60}$/;

/**
 * Checks the shape of a route's answer (`R{meta}\n{body}` from the isolate) without trusting it:
 * a status from 200 to 599, string headers from the allowlist with no line breaks, a boolean `text`.
 */
export function parseRouteAnswer(raw: string, maxBytes: number): { answer: RouteAnswer; body: string } | ProblemShape {
  const newline = raw.indexOf('\n');
  if (raw.charAt(0) !== 'R' || newline < 0) return { code: 'SANDBOX_INVALID_RESPONSE', message: 'not a route answer' };
  let meta: unknown;
  try {
    meta = JSON.parse(raw.slice(1, newline));
  } catch {
    return { code: 'SANDBOX_INVALID_RESPONSE', message: 'unreadable answer' };
  }
  const m = meta as { status?: unknown; headers?: unknown; text?: unknown };
  if (!m || typeof m !== 'object') return { code: 'SANDBOX_INVALID_RESPONSE', message: 'not an object' };
  if (typeof m.status !== 'number' || !Number.isInteger(m.status) || m.status < 200 || m.status > 599) {
    return { code: 'SANDBOX_INVALID_RESPONSE', message: 'status must be an integer from 200 to 599' };
  }
  if (!m.headers || typeof m.headers !== 'object' || Array.isArray(m.headers)) return { code: 'SANDBOX_INVALID_RESPONSE', message: 'headers must be an object' };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers as Record<string, unknown>).slice(0, 30)) {
    const key = name.toLowerCase();
    if (!ALLOWED_HEADERS.has(key) && !MODULE_HEADER.test(key)) continue;
    if (typeof value !== 'string' || value.length > 1024 || /[\r\n\0]/.test(value)) {
      return { code: 'SANDBOX_INVALID_RESPONSE', message: `header ${key.slice(0, 60)} must be a short string without line breaks` };
    }
    headers[key] = value;
  }
  const body = raw.slice(newline + 1);
  if (Buffer.byteLength(body) > maxBytes) return { code: 'SANDBOX_RESPONSE_TOO_LARGE', message: `more than ${maxBytes} bytes` };
  return { answer: { status: m.status, headers, text: m.text === true }, body };
}
