import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens we generate carry 256 bits of randomness, so a fast SHA-256 is the right hash at rest (as
 * GitHub and Stripe do for API keys): a slow password hash would add latency to every request and
 * no security, since nobody can guess a preimage.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token against a stored SHA-256 hex hash. */
export function tokenMatchesHash(token: string, hashHex: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(hashHex, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** A random token: `<prefix>_<43 url-safe characters>`. */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
