import { storableText } from '../database/storable-text.js';

/**
 * Secrets never reach the audit trail: fields whose names look secret are masked in `changes` and
 * `details` before they are hashed and stored, as the modules plugin masks a module's secret
 * settings in its logs (plugins/modules/src/redaction.ts). Here no manifest says which fields are
 * secret, so the name decides.
 */

/** What stands in for a secret (the same mark the modules plugin uses). */
export const REDACTED = '********';

const SECRET_NAME = /(secret|passw(or)?d|passphrase|token|api[-_]?key|private[-_]?key|credential|authorization|cookie|signature|^pin$|^key$)/i;

/** Names of references and times, not of the secret itself: `keyId`, `token_prefix`, `secretRotatedAt`. */
const NOT_SECRET = /(Ids?|_ids?|Prefix|_prefix|At|_at)$/;

export const looksSecret = (name: string): boolean => SECRET_NAME.test(name) && !NOT_SECRET.test(name);


/**
 * A plain JSON copy of `value` (dates as ISO strings, no undefined or functions), with every member
 * whose name looks secret replaced by REDACTED at any depth. What is hashed is exactly what the
 * database gives back.
 */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return storableText(value);
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'object' || depth > 20) return null;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    if (member === undefined || typeof member === 'function') continue;
    out[storableText(name)] = looksSecret(name) && member !== null ? REDACTED : maskSecrets(member, depth + 1);
  }
  return out;
}

/** An object as stored in `changes` or `details`, or null. */
export function maskedObject(value: object | null | undefined): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const masked = maskSecrets(value);
  return masked !== null && typeof masked === 'object' && !Array.isArray(masked) ? (masked as Record<string, unknown>) : null;
}
