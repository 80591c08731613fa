import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { KernelErrors, sendProblem } from '@dogan/runtime';
import { BillingErrors } from '../errors.js';
import type { ApiCallMeter, MeterDecision } from '../usage/api-meter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Billing's own routes: never refused for quota (a tenant at its limit must be able to upgrade) and not counted. */
    billingExempt?: boolean;
  }
}

/** Seconds to wait when the quota could not be checked: long enough for a failover, short enough to feel live. */
const UNAVAILABLE_RETRY_SECONDS = 5;

function refuse(reply: FastifyReply, tenant: { subdomain: string }, decision: Exclude<MeterDecision, { allowed: true }>, now: Date) {
  if (decision.reason === 'unavailable') {
    reply.header('retry-after', String(UNAVAILABLE_RETRY_SECONDS));
    return sendProblem(reply, KernelErrors.SERVICE_UNAVAILABLE(`The API-call quota of tenant "${tenant.subdomain}" cannot be checked right now; retry in ${UNAVAILABLE_RETRY_SECONDS} seconds`));
  }
  const seconds = Math.max(1, Math.ceil((decision.resetAt.getTime() - now.getTime()) / 1000));
  reply.header('retry-after', String(seconds));
  return sendProblem(
    reply,
    BillingErrors.QUOTA_EXCEEDED.with({ limit: decision.limit, used: decision.used, resetAt: decision.resetAt.toISOString() }, tenant.subdomain, decision.limit, 'API calls', decision.resetAt.toISOString()),
  );
}

/**
 * The meter in the request path. Tenant resolution happens in each plugin's own preHandler, after any
 * root hook, so the quota check is appended to every route's preHandlers as routes are declared; it
 * does nothing for non-tenant requests and reads only memory once a tenant is loaded (a trial
 * tenant's request waits on the database only when the node's leased allowance ran out before the
 * next block came; see api-meter.ts). Counting is a map increment once the response has gone out
 * (the kernel's finished-response signal, cheaper than an onResponse hook).
 */
export function installMetering(app: FastifyInstance, meter: ApiCallMeter, now: () => Date): void {
  const quotaCheck = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    const tenant = request.tenant;
    if (!tenant) return done();
    const decision = meter.check(tenant.id);
    if (decision instanceof Promise) {
      decision.then(
        (d) => (d.allowed ? done() : void refuse(reply, tenant, d, now())),
        (err: Error) => done(err),
      );
      return;
    }
    if (decision.allowed) return done();
    void refuse(reply, tenant, decision, now());
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.billingExempt) return;
    const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
    route.preHandler = [...existing, quotaCheck as never];
  });

  app.onResponseFinished((request, reply) => {
    const tenant = request.tenant;
    if (tenant && reply.statusCode !== 429 && !request.routeOptions.config?.billingExempt) meter.count(tenant.id);
  });
}
