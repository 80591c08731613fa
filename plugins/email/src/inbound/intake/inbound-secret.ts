import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The header a provider may send the secret in (Postmark and SendGrid put it in the URL's basic authentication instead). */
export const SECRET_HEADER = 'x-dogan-inbound-secret';

/** A new inbound secret: 32 random bytes, shown once. */
export function newInboundSecret(): string {
  return `eminb_${randomBytes(32).toString('base64url')}`;
}

/** What is stored: the secret is random and long, so its SHA-256 is as good as a slow hash and checks in constant time. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The last characters of the secret, to tell secrets apart in the settings. */
export function secretHint(secret: string): string {
  return secret.slice(-4);
}

/** The secret a request presents: the X-Dogan-Inbound-Secret header, else the password of HTTP basic authentication. */
export function presentedSecret(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers[SECRET_HEADER];
  if (typeof header === 'string' && header !== '') return header;
  const auth = headers.authorization;
  if (typeof auth !== 'string' || !/^basic\s+/i.test(auth)) return undefined;
  const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** Whether `presented` is the secret whose hash is stored, compared in constant time. */
export function secretMatches(storedHash: string, presented: string | undefined): boolean {
  if (!presented || presented.length > 200) return false;
  const want = Buffer.from(storedHash, 'hex');
  const got = Buffer.from(hashSecret(presented), 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}
