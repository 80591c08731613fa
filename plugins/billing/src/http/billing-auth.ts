import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, isDoganError, sendProblem, type AdminAuth, type DoganError } from '@dogan/runtime';
import { TenantErrors, tenantReferences, type TenantsApi } from '@dogan/tenants';

/** Statuses that may still reach billing: a suspended or expired tenant must be able to pay. */
const BILLING_STATUSES = new Set(['trial', 'active', 'suspended', 'expired', 'cancelled']);

/**
 * The tenants plugin's preHandler refuses suspended and expired tenants, which would lock them out of
 * the very routes that let them pay. Billing routes use this one: the same authentication and tenant
 * resolution, a gate that lets those statuses through. (The lead may fold this into the tenants
 * plugin as an `allowStatuses` option.)
 */
export function billingPreHandler(api: TenantsApi, adminAuth: AdminAuth, baseDomain: string) {
  return async function billingGate(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const header = request.headers['x-api-key'];
    const credential = typeof header === 'string' && header ? header.trim() : bearerToken(request);
    if (!credential) return sendProblem(reply, TenantErrors.AUTH_REQUIRED());
    let caller: NonNullable<FastifyRequest['caller']>;
    if (adminAuth.verify(credential)) caller = { kind: 'platform-admin' };
    else {
      try {
        caller = { kind: 'api-key', ...(await api.keys.verify(credential)) };
      } catch (err) {
        if (isDoganError(err)) return sendProblem(reply, err);
        throw err;
      }
    }
    const refs = tenantReferences({ host: request.headers.host, url: request.url, tenantHeader: request.headers['x-tenant-id'] }, baseDomain);
    let tenantRef = refs[0]?.value;
    if (!tenantRef && caller.kind === 'api-key') tenantRef = caller.tenantId;
    if (!tenantRef) return sendProblem(reply, TenantErrors.TENANT_REQUIRED());
    let tenant;
    try {
      tenant = await api.tenants.get(tenantRef);
      for (const ref of refs.slice(1)) {
        const other = await api.tenants.get(ref.value);
        if (other.id !== tenant.id) return sendProblem(reply, TenantErrors.TENANT_AMBIGUOUS(refs[0]!.value, refs[0]!.via, ref.value, ref.via));
      }
    } catch (err) {
      if (isDoganError(err)) return sendProblem(reply, err as DoganError);
      throw err;
    }
    if (caller.kind === 'api-key' && caller.tenantId !== tenant.id) return sendProblem(reply, TenantErrors.API_KEY_TENANT_MISMATCH(tenant.subdomain));
    if (!BILLING_STATUSES.has(tenant.status)) {
      return sendProblem(reply, tenant.status === 'pending_deletion' ? TenantErrors.TENANT_PENDING_DELETION(tenant.subdomain) : TenantErrors.TENANT_PROVISIONING(tenant.subdomain));
    }
    request.tenant = tenant;
    request.caller = caller;
    return undefined;
  };
}
