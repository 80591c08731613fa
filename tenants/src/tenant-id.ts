/**
 * The shape of a tenant id (a UUID). Wherever a request names a tenant, a value of this shape is
 * looked up as an id, never as a subdomain; so no subdomain may have it.
 */
export const TENANT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function looksLikeTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}
