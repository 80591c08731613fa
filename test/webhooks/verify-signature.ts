import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The receiver's check, written from plugins/webhooks/README.md ("Verifying a delivery"), not from
 * the plugin's signer: timestamp within the tolerance, then any `v1=` entry equal to
 * hex(HMAC-SHA256(secret, `${timestamp}.${rawBody}`)), compared in constant time.
 */
export function verifyDelivery(secret: string, rawBody: string, headers: IncomingHttpHeaders, toleranceSeconds = 300, nowSeconds = Date.now() / 1000): boolean {
  const timestamp = Number(headers['x-dogan-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex'));
  return String(headers['x-dogan-signature'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .some((part) => {
      const given = Buffer.from(part.slice(3));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
