import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IDEMPOTENT_REPLAYED_HEADER } from '../idempotency/idempotency-hooks.js';
import { actionDeriver } from './action-naming.js';
import type { AuditActor, AuditChanges, AuditRecorder, AuditRecordInput, AuditTarget } from './trail-entry.js';

/** What a handler adds to its request's audit entry. */
export interface AuditNote {
  /** Instead of the action derived from the route. */
  readonly action?: string;
  /** Instead of the route's last parameter: what was created, say. */
  readonly target?: AuditTarget;
  readonly changes?: AuditChanges;
  readonly details?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How the audit trail records this route's successful writes: `false` when it changes nothing
     * (a preview), `{ action }` for a better name than the one derived from its URL (action-naming.ts).
     */
    audit?: false | { readonly action?: string };
  }
  interface FastifyRequest {
    /** Set by a handler to add to (or correct) the request's audit entry; see AuditNote. */
    auditNote: AuditNote | null;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Who made a request: a tenant key, or the platform admin (its token, on tenant and admin routes). */
export function actorOfRequest(request: FastifyRequest): AuditActor {
  const caller = request.caller;
  return caller?.kind === 'api-key' ? { kind: 'key', id: caller.keyId } : { kind: 'platform-admin', id: null };
}

/** Whose chain a request's entry goes to: its tenant's, the platform's (admin routes), or none. */
function chainTenantOf(request: FastifyRequest): string | null | undefined {
  switch (request.routeOptions.config?.policy?.auth) {
    case 'tenant':
      return request.tenant?.id;
    case 'platform-admin':
      return null;
    default:
      // Public routes and routes checking their own credential (payment webhooks) have no actor to name.
      return undefined;
  }
}

/**
 * Records every successful (2xx) POST, PUT, PATCH and DELETE of a tenant route in its tenant's chain,
 * and of an admin route in the platform's, for every plugin's routes. It runs once the response has
 * gone out (the kernel's finished-response signal: cheaper than an onResponse hook), so it adds
 * nothing to the response time; the append is queued in the trail, which readers and shutdown wait
 * for. A replayed idempotent answer did nothing again and is not recorded again.
 */
export function installAuditRecording(app: FastifyInstance, trail: AuditRecorder): void {
  const derive = actionDeriver();
  app.decorateRequest('auditNote', null);
  app.onResponseFinished((request: FastifyRequest, reply: FastifyReply) => {
    if (!WRITES.has(request.method) || reply.statusCode < 200 || reply.statusCode >= 300) return;
    const config = request.routeOptions.config;
    if (config?.audit === false || !request.routeOptions.url) return;
    const tenantId = chainTenantOf(request);
    if (tenantId === undefined || reply.getHeader(IDEMPOTENT_REPLAYED_HEADER) === 'true') return;
    const entry = requestEntry(request, reply, tenantId, derive(request.method, request.routeOptions.url), config?.audit?.action);
    trail.record(entry).catch((err: unknown) => request.log.error({ err, requestId: request.id, action: entry.action }, 'the audit entry of a request could not be recorded'));
  });
}

function requestEntry(
  request: FastifyRequest,
  reply: FastifyReply,
  tenantId: string | null,
  derived: ReturnType<ReturnType<typeof actionDeriver>>,
  declaredAction: string | undefined,
): AuditRecordInput {
  const note = request.auditNote;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const ids = derived.targetParams.map((name) => params[name]);
  const target = note?.target ?? { type: derived.targetType, id: ids.length > 0 && ids.every((v) => v !== undefined) ? ids.map(String).join('/') : null };
  return {
    tenantId,
    actor: actorOfRequest(request),
    action: note?.action ?? declaredAction ?? derived.action,
    target,
    requestId: request.id,
    ip: request.ip,
    outcome: String(reply.statusCode),
    changes: note?.changes ?? null,
    details: note?.details ?? null,
  };
}
