import { createHmac, timingSafeEqual } from 'node:crypto';
import { pythonJsonDumps } from './python-json.js';

/** The header Frappe puts its signature in (frappe/integrations/doctype/webhook/webhook.py). */
export const SIGNATURE_HEADER = 'x-frappe-webhook-signature';

/** base64(HMAC-SHA256(secret, text)): what Frappe sends for a Webhook with security enabled. */
export function frappeSignature(secret: string, text: string | Buffer): string {
  return createHmac('sha256', secret).update(text).digest('base64');
}

function sameSignature(expected: string, given: Buffer): boolean {
  const want = Buffer.from(expected, 'base64');
  return want.length === given.length && timingSafeEqual(want, given);
}

/**
 * Whether `header` signs the body with `secret`, compared in constant time. Frappe signs the JSON text
 * it sends, so the raw body is checked first; a Form URL-Encoded body (older Frappe) is checked
 * against `json.dumps` of its fields, the text Frappe signed.
 */
export function verifySignature(secret: string, header: string | undefined, rawBody: Buffer, form: Record<string, string> | undefined): boolean {
  if (!header || header.length > 200 || !/^[A-Za-z0-9+/]+=*$/.test(header)) return false;
  const given = Buffer.from(header, 'base64');
  if (given.length !== 32) return false;
  let ok = sameSignature(frappeSignature(secret, rawBody), given);
  if (form) ok = sameSignature(frappeSignature(secret, pythonJsonDumps(form)), given) || ok;
  return ok;
}
