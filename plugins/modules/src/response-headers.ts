/**
 * The kernel's own check of a module's response headers, after the sandbox host's allowlist: a
 * module must not speak for the platform (request ids, security headers), must not send bytes Node
 * refuses to write (a 500 with no problem document), and may redirect only within its own routes,
 * never to the admin API, another tenant or a `javascript:` URL.
 */

/** Headers the platform sets on every answer; a module's value would replace a security guarantee or a trace id. */
const PLATFORM_OWNED = new Set([
  'x-request-id',
  'x-content-type-options',
  'x-frame-options',
  'x-xss-protection',
  'x-powered-by',
  'x-api-key',
  'x-tenant-id',
  'x-real-ip',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'content-security-policy',
  'strict-transport-security',
  'idempotent-replayed',
]);
const PLATFORM_PREFIXES = ['x-forwarded-', 'x-dogan-'];

/** Visible ASCII and tab: what every HTTP stack carries unchanged (RFC 9110 field-value without obs-text). */
const SAFE_VALUE = /^[\t\x20-\x7e]*$/;

export type HeaderCheck = { ok: true; headers: Record<string, string> } | { ok: false; why: string };

/**
 * `moduleBase` is the module's own prefix for this tenant (`/api/v1/acme/apps/vendor.mod/`); a
 * Location must resolve under it.
 */
export function checkModuleHeaders(headers: Record<string, string>, moduleBase: string): HeaderCheck {
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (PLATFORM_OWNED.has(name) || PLATFORM_PREFIXES.some((p) => name.startsWith(p))) continue;
    if (typeof value !== 'string' || !SAFE_VALUE.test(value)) return { ok: false, why: `header ${name.slice(0, 60)} must be visible ASCII (encode other characters, e.g. RFC 8187 for file names)` };
    if (name === 'location') {
      const target = resolveWithin(value, moduleBase);
      if (!target) return { ok: false, why: 'location must be a path within the module\'s own routes' };
      out[name] = target;
      continue;
    }
    out[name] = value;
  }
  return { ok: true, headers: out };
}

function resolveWithin(location: string, moduleBase: string): string | undefined {
  // Only references without a scheme or authority: "notes/1", "./1", "/api/v1/acme/apps/vendor.mod/notes/1".
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) || location.startsWith('//') || location.includes('\\')) return undefined;
  let resolved: URL;
  try {
    resolved = new URL(location, `http://module.invalid${moduleBase}`);
  } catch {
    return undefined;
  }
  if (resolved.host !== 'module.invalid') return undefined;
  const path = resolved.pathname + resolved.search + resolved.hash;
  return resolved.pathname.startsWith(moduleBase) || resolved.pathname + '/' === moduleBase ? path : undefined;
}
