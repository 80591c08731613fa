/**
 * Where a request names its tenant, in the order the architecture fixes: the subdomain of the base
 * domain (`acme.example.com`), the path (`/api/v1/{tenant}/...`), then the `X-Tenant-ID` header.
 * Pure: it reads the request's host, path and header, and looks nothing up.
 */
export type TenantReferenceSource = 'subdomain' | 'path' | 'header';

export interface TenantReference {
  readonly value: string;
  readonly via: TenantReferenceSource;
}

/** First path segments under /api/v1/ that are platform routes, not tenants. */
export const PLATFORM_PATH_SEGMENTS: ReadonlySet<string> = new Set(['tenant', 'system', 'admin', 'auth', 'registry']);

/** Hosts under the base domain that are the platform itself. */
const PLATFORM_HOST_LABELS: ReadonlySet<string> = new Set(['www', 'api', 'admin', 'app', 'registry', 'docs']);

export function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return (colon >= 0 ? host.slice(0, colon) : host).toLowerCase();
}

export function tenantFromHost(host: string | undefined, baseDomain: string): string | undefined {
  if (!host) return undefined;
  const name = hostWithoutPort(host);
  const suffix = '.' + baseDomain.toLowerCase();
  if (!name.endsWith(suffix)) return undefined;
  const label = name.slice(0, -suffix.length);
  if (!label || label.includes('.') || PLATFORM_HOST_LABELS.has(label)) return undefined;
  return label;
}

export function tenantFromPath(url: string): string | undefined {
  if (!url.startsWith('/api/v1/')) return undefined;
  const end = url.slice(8).search(/[/?#]/);
  const raw = end < 0 ? url.slice(8) : url.slice(8, 8 + end);
  let segment: string;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    segment = raw; // malformed escapes: left as is, refused later as a malformed reference
  }
  if (!segment || PLATFORM_PATH_SEGMENTS.has(segment)) return undefined;
  return segment;
}

/** Every tenant reference the request carries, in precedence order. */
export function tenantReferences(request: { host?: string; url: string; tenantHeader?: string | string[] }, baseDomain: string): TenantReference[] {
  const refs: TenantReference[] = [];
  const sub = tenantFromHost(request.host, baseDomain);
  if (sub) refs.push({ value: sub, via: 'subdomain' });
  const path = tenantFromPath(request.url);
  if (path) refs.push({ value: path, via: 'path' });
  const header = Array.isArray(request.tenantHeader) ? request.tenantHeader[0] : request.tenantHeader;
  if (header && header.trim()) refs.push({ value: header.trim(), via: 'header' });
  return refs;
}
