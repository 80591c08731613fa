import type { FastifyRequest } from 'fastify';
import { bearerToken, isDoganError, unavailable, type AdminAuth, type DoganError, type RouteGuard } from '@dogan/runtime';
import type { ApiKeyService, VerifiedKey } from '../api-keys.js';
import type { ControlPlaneHealth } from '../database/control-plane-health.js';
import type { Tenant } from '../entities/tenant.js';
import { TenantErrors } from '../errors.js';
import { statusGateError } from '../lifecycle.js';
import type { TenantService } from '../tenant-service.js';
import { tenantReferences } from './resolve-tenant.js';

/** Who is calling: the platform admin, or a tenant API key with its scopes. */
export type Caller = { kind: 'platform-admin' } | ({ kind: 'api-key' } & VerifiedKey);

declare module 'fastify' {
  interface FastifyRequest {
    /** The resolved, authenticated tenant of a tenant route. */
    tenant: Tenant | null;
    caller: Caller | null;
  }
}

interface AuthDeps {
  tenants: TenantService;
  keys: ApiKeyService;
  health: ControlPlaneHealth;
  adminAuth: AdminAuth;
  baseDomain: string;
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  return bearerToken(request);
}

/**
 * A refusal this plugin decided (unknown key, no such tenant...) is returned as a value; anything
 * else (the control plane failed over, ran out of connections, timed out) cannot decide, so it
 * becomes a 503 that refuses the request. It must never be used as a caller or a tenant.
 */
function decisionOrUnavailable(request: FastifyRequest, err: unknown, health: ControlPlaneHealth): DoganError {
  if (isDoganError(err) && err.statusCode < 500) return err;
  health.observe(err);
  request.log.warn({ err }, 'tenant authentication could not decide; refusing with 503');
  return isDoganError(err) && err.statusCode === 503 ? err : unavailable(err);
}

async function authenticate(request: FastifyRequest, { adminAuth, keys, health }: AuthDeps): Promise<Caller | DoganError> {
  const credential = presentedKey(request);
  if (!credential) return TenantErrors.AUTH_REQUIRED();
  if (adminAuth.verify(credential)) return { kind: 'platform-admin' };
  try {
    return { kind: 'api-key', ...(await keys.verify(credential)) };
  } catch (err) {
    return decisionOrUnavailable(request, err, health);
  }
}

async function resolveTenant(request: FastifyRequest, { tenants, baseDomain, health }: AuthDeps, caller: Caller): Promise<Tenant | DoganError> {
  const refs = tenantReferences({ host: request.headers.host, url: request.url, tenantHeader: request.headers['x-tenant-id'] }, baseDomain);
  try {
    if (refs.length === 0) {
      // A tenant key names its own tenant: `GET /api/v1/tenant/info` with just a key works.
      if (caller.kind === 'api-key') return await tenants.get(caller.tenantId);
      return TenantErrors.TENANT_REQUIRED();
    }
    let chosen: Tenant | undefined;
    for (const ref of refs) {
      const found = await tenants.find(ref.value);
      if (!found) return TenantErrors.TENANT_NOT_FOUND(ref.value);
      if (chosen && chosen.id !== found.id) return TenantErrors.TENANT_AMBIGUOUS(refs[0]!.value, refs[0]!.via, ref.value, ref.via);
      chosen ??= found;
    }
    return chosen!;
  } catch (err) {
    return decisionOrUnavailable(request, err, health);
  }
}

/**
 * The `tenant` stage of the route-policy chain, on every route declaring `auth: 'tenant'`:
 * authenticate (platform admin token or tenant API key), resolve the tenant (subdomain, path,
 * header, or the key's own tenant), refuse a key used on another tenant (and log the attempt), then
 * the status gate: trial and active tenants pass, and the statuses the policy's `allowStatuses`
 * names (billing's routes admit suspended, expired and cancelled tenants, or they could never pay
 * their way back). On success `request.tenant` and `request.caller` are set and the request's logger
 * carries the tenant id.
 */
export function createTenantGuard(deps: AuthDeps): RouteGuard {
  return async function tenantGuard(request, _reply, policy): Promise<DoganError | undefined> {
    // Caches cannot be trusted while the control plane is down: refuse rather than pass on stale data.
    if (!deps.health.healthy) return unavailable();
    const caller = await authenticate(request, deps);
    if (isDoganError(caller)) return caller;
    const tenant = await resolveTenant(request, deps, caller);
    if (isDoganError(tenant)) return tenant;
    const t = tenant;
    if (caller.kind === 'api-key' && caller.tenantId !== t.id) {
      request.log.warn({ event: 'api_key_tenant_mismatch', keyPrefix: caller.prefix, keyTenantId: caller.tenantId, requestedTenantId: t.id }, 'API key used on another tenant');
      return TenantErrors.API_KEY_TENANT_MISMATCH(t.subdomain);
    }
    const gate = policy.allowStatuses?.includes(t.status) ? undefined : statusGateError(t.status, t.subdomain);
    if (gate) return gate;
    request.tenant = t;
    request.caller = caller;
    request.log = request.log.child({ tenantId: t.id });
    return undefined;
  };
}

/** The `scope` stage: an API key must hold the route's scope (the platform admin holds every scope). */
export const scopeGuard: RouteGuard = (request, _reply, policy) => {
  const caller = request.caller;
  if (caller?.kind === 'api-key' && !caller.scopes.includes(policy.scope)) return TenantErrors.API_KEY_SCOPE_MISSING(policy.scope);
  return undefined;
};
