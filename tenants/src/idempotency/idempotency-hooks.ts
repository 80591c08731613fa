import { createHash } from 'node:crypto';
import { sendProblem } from '@dogan/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { TenantErrors } from '../errors.js';
import type { IdempotencyClaim, IdempotencyStore } from './idempotency-store.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opt the route into `Idempotency-Key` handling (see installIdempotency). */
    idempotency?: boolean;
  }
}

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** 1 to 255 printable ASCII characters, as Stripe accepts. */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;
/** Headers of an answer worth replaying; the rest (dates, request ids) belong to the request that made it. */
const KEPT_HEADERS = ['content-type', 'location'] as const;

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** Whose keys these are; by default the tenant the request resolved to. A request without one is not deduplicated. */
  scopeOf?: (request: FastifyRequest) => string | null | undefined;
}

/** JSON with object keys sorted, so two bodies that differ only in key order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What makes two requests "the same": method, route pattern, path parameters and body. */
export function requestFingerprint(request: FastifyRequest): string {
  const text = canonical([request.method, request.routeOptions.url ?? request.url, request.params ?? {}, request.body ?? null]);
  return createHash('sha256').update(text).digest('hex');
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Adds `Idempotency-Key` handling, as Stripe's API has it, to every route declared afterwards in
 * this scope with `config: { idempotency: true }`. Its preHandler runs after the route's own (after
 * authentication, so a replay is never shown to a caller who may not see it): the first request
 * with a key runs and its answer is kept; a repeat gets that answer again with
 * `Idempotent-Replayed: true`; the key with another request is 422 IDEMPOTENCY_KEY_REUSED; a repeat
 * while the first still runs (on any node) is 409 IDEMPOTENCY_KEY_IN_PROGRESS with Retry-After.
 * Answers of 5xx, and any answer carrying Retry-After (busy, over quota), are not kept: the request
 * did not come to an outcome, so the client's retry runs it again. Requests without the header pass as before.
 */
export function installIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { store } = options;
  const scopeOf = options.scopeOf ?? ((request: FastifyRequest) => request.tenant?.id);
  const claims = new WeakMap<FastifyRequest, IdempotencyClaim>();

  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined) return;
    if (typeof key !== 'string' || !VALID_KEY.test(key)) return sendProblem(reply, TenantErrors.IDEMPOTENCY_KEY_INVALID());
    const tenantId = scopeOf(request);
    if (!tenantId) return;
    const begun = await store.begin({ tenantId, key, fingerprint: requestFingerprint(request) });
    switch (begun.outcome) {
      case 'execute':
        claims.set(request, begun.claim);
        return;
      case 'reused':
        return sendProblem(reply, TenantErrors.IDEMPOTENCY_KEY_REUSED(key));
      case 'in_progress':
        reply.header('retry-after', String(begun.retryAfterSeconds));
        return sendProblem(reply, TenantErrors.IDEMPOTENCY_KEY_IN_PROGRESS(key));
      case 'replay': {
        reply.code(begun.response.status);
        for (const [name, value] of Object.entries(begun.response.headers)) reply.header(name, value);
        reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
        return reply.send(begun.response.body);
      }
    }
  };

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    const storable = payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload);
    try {
      // An answer that asks for a retry (a 5xx, or one with Retry-After: busy, over quota) is not the request's outcome.
      if (reply.statusCode >= 500 || reply.hasHeader('retry-after') || !storable) {
        if (!storable) request.log.warn('an idempotent route answered with a stream, which cannot be replayed; the key is released');
        await store.release(claim);
      } else {
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const value = reply.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        await store.complete(claim, { status: reply.statusCode, headers, body: Buffer.from((payload as string | Buffer | null) ?? '') });
      }
    } catch (err) {
      // The effect already happened and the client gets its answer; the record is taken over after its lease.
      request.log.error({ err }, 'the idempotency record could not be written');
    }
    return payload;
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.config?.idempotency) return;
    route.preHandler = [...asArray(route.preHandler), preHandler as never];
    route.onSend = [...asArray(route.onSend), onSend as never];
  });
}
