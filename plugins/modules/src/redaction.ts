import type { ModuleManifest } from '@dogan/module-manifest';

/** What stands in for a secret wherever the platform shows module text (logs, problem details). */
export const REDACTED = '********';

/**
 * Shorter values are not looked for: a two-letter secret would blank out ordinary words in every
 * line. Four characters still catches short PINs and codes.
 */
export const MIN_REDACTED_LENGTH = 4;

/** Top-level settings the manifest marks `"secret": true`. */
export function secretFields(manifest: Pick<ModuleManifest, 'settings'>): string[] {
  const props = ((manifest.settings as { properties?: unknown } | undefined)?.properties ?? {}) as Record<string, { secret?: unknown } | null>;
  return Object.entries(props)
    .filter(([, p]) => p?.secret === true)
    .map(([name]) => name);
}

/**
 * The texts to mask for one install: each secret setting's value as written, as it appears inside
 * JSON (log data) and URL-encoded (a secret put in a query string). Longest first, so a secret that
 * contains another is masked whole.
 */
export function secretValues(manifest: Pick<ModuleManifest, 'settings'>, settings: unknown): string[] {
  if (settings === null || typeof settings !== 'object') return [];
  const values = new Set<string>();
  for (const name of secretFields(manifest)) {
    const value = (settings as Record<string, unknown>)[name];
    if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH) continue;
    for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) values.add(form);
  }
  return [...values].sort((x, y) => y.length - x.length);
}

/** Every occurrence of every secret, anywhere in the text (inside words, URLs, JSON), replaced. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
