import type { FastifyInstance, FastifyReply } from 'fastify';
import { isMetered, KernelErrors, type DoganError, type RouteGuard } from '@dogan/runtime';
import { BillingErrors } from '../errors.js';
import type { ApiCallMeter, MeterDecision } from '../usage/api-meter.js';

/** Seconds to wait when the quota could not be checked: long enough for a failover, short enough to feel live. */
const UNAVAILABLE_RETRY_SECONDS = 5;

/** The refusal of a call over quota (429) or whose quota cannot be checked (503), with its Retry-After. */
function refusal(reply: FastifyReply, tenant: { subdomain: string }, decision: Exclude<MeterDecision, { allowed: true }>, now: Date): DoganError {
  if (decision.reason === 'unavailable') {
    reply.header('retry-after', String(UNAVAILABLE_RETRY_SECONDS));
    return KernelErrors.SERVICE_UNAVAILABLE(`The API-call quota of tenant "${tenant.subdomain}" cannot be checked right now; retry in ${UNAVAILABLE_RETRY_SECONDS} seconds`);
  }
  const seconds = Math.max(1, Math.ceil((decision.resetAt.getTime() - now.getTime()) / 1000));
  reply.header('retry-after', String(seconds));
  return BillingErrors.QUOTA_EXCEEDED.with({ limit: decision.limit, used: decision.used, resetAt: decision.resetAt.toISOString() }, tenant.subdomain, decision.limit, 'API calls', decision.resetAt.toISOString());
}

/**
 * The `quota` stage of the route-policy chain: the kernel runs it on tenant routes declared metered,
 * after the tenant is resolved and the key's scope checked. It reads only memory once a tenant is
 * loaded (a trial tenant's request waits on the database only when the node's leased allowance ran
 * out before the next block came; see api-meter.ts), so it answers synchronously when it can.
 */
export function quotaGuard(meter: ApiCallMeter, now: () => Date): RouteGuard {
  return (request, reply) => {
    const tenant = request.tenant;
    if (!tenant) return undefined;
    const decision = meter.check(tenant.id);
    if (decision instanceof Promise) return decision.then((d) => (d.allowed ? undefined : refusal(reply, tenant, d, now())));
    return decision.allowed ? undefined : refusal(reply, tenant, decision, now());
  };
}

/**
 * Counting is a map increment once the response has gone out (the kernel's finished-response
 * signal, cheaper than an onResponse hook): every answered call of a metered tenant route but a 429.
 */
export function installMetering(app: FastifyInstance, meter: ApiCallMeter): void {
  app.onResponseFinished((request, reply) => {
    const tenant = request.tenant;
    if (tenant && reply.statusCode !== 429 && isMetered(request.routeOptions.config.policy)) meter.count(tenant.id);
  });
}
