import { createHmac, randomBytes } from 'node:crypto';

/** A new signing secret: shown to the tenant once, stored encrypted. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * `X-Dogan-Signature`: `v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, one per secret in
 * force (two while a rotated secret's grace period runs), comma-separated. README.md holds the recipe.
 */
export function signatureHeader(secrets: readonly string[], timestamp: number, rawBody: string): string {
  return secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`).join(',');
}
