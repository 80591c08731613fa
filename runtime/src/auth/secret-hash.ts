import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens we generate carry 256 bits of randomness, so a fast SHA-256 is the right hash at rest (as
 * GitHub and Stripe do for API keys): a slow password hash would add latency to every request and
 * no security, since nobody can guess a preimage.
 */
export function hashToken(token: string): string {
  // The one-shot hash: a Hash object per call was a visible share of every authenticated request.
  return hash('sha256', token, 'hex');
}

/** Constant-time comparison of a presented token against a stored SHA-256 hex hash. */
export function tokenMatchesHash(token: string, hashHex: string): boolean {
  return tokenMatcher(hashHex)(token);
}

/** `tokenMatchesHash` for one stored hash checked on every request: its bytes are decoded once. */
export function tokenMatcher(hashHex: string): (token: string) => boolean {
  const stored = Buffer.from(hashHex, 'hex');
  return (token) => {
    const presented = hash('sha256', token, 'buffer');
    return presented.length === stored.length && timingSafeEqual(presented, stored);
  };
}

/** A random token: `<prefix>_<43 url-safe characters>`. */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
