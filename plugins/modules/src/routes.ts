import { firstNulPath, isDoganError, isUnavailableError, KernelErrors, sendProblem, tenantPolicy, unavailable, type FromSchema, type JsonSchemaTypeProvider } from '@dogan/runtime';
import { IdempotencyStore, installIdempotency, type TenantsApi } from '@dogan/tenants';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SandboxErrors } from '@dogan/runtime/sandbox';
import type { ModuleRuntime } from './module-runtime.js';
import { checkModuleHeaders } from './response-headers.js';

/**
 * A module's routes by what they need of the key: reading methods the `read` scope, every other
 * method the `write` scope.
 */
const METHODS_BY_SCOPE = [
  { scope: 'read', methods: ['GET', 'HEAD'] },
  { scope: 'write', methods: ['POST', 'PUT', 'PATCH', 'DELETE'] },
] as const;

/** Request headers a module never sees: credentials, and what only the platform should read. */
const HIDDEN_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-tenant-id', 'connection', 'host']);

function moduleHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (HIDDEN_HEADERS.has(name) || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (isDoganError(err)) {
    // A module suspended after crashing its host says when it is let through again.
    const retryAfter = err.extensions?.retryAfter;
    if (err.statusCode === 503 && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    return sendProblem(reply, err);
  }
  if (isUnavailableError(err)) return sendProblem(reply, unavailable(err));
  reply.request.log.error({ err }, 'module call failed');
  return sendProblem(reply, KernelErrors.INTERNAL_ERROR());
}

const appParams = {
  type: 'object',
  required: ['tenant', 'moduleId'],
  properties: { tenant: { type: 'string' }, moduleId: { type: 'string', pattern: '^[a-z][a-z0-9-]*\\.[a-z][a-z0-9-]*$' }, '*': { type: 'string' } },
} as const;

/** `/api/v1/{tenant}/apps/{moduleId}/...` runs the module's route; `/api/v1/{tenant}/modules/{moduleId}/logs` reads its log. */
export async function moduleRoutes(app: FastifyInstance, runtime: ModuleRuntime, tenants: TenantsApi): Promise<void> {
  await app.register(async (instance) => {
    const scope = instance.withTypeProvider<JsonSchemaTypeProvider>();
    // Bodies other than JSON reach the module as text; the module decides what they mean.
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    // A client whose write got no answer (a dropped connection, a node draining) retries with the same
    // Idempotency-Key and gets the first answer back instead of a second note, order or payment.
    installIdempotency(scope, { store: new IdempotencyStore({ orm: tenants.controlPlane }) });
    const invoke = async (request: FastifyRequest, reply: FastifyReply, { moduleId, '*': rest }: FromSchema<typeof appParams>) => {
      // Module routes have no schema of ours, so the rule every other route applies is applied here.
      const nulIn = firstNulPath(request.body) !== undefined ? 'body' : firstNulPath(request.query) !== undefined ? 'querystring' : undefined;
      if (nulIn) {
        const message = 'must not contain the NUL character (U+0000)';
        return sendProblem(reply, KernelErrors.VALIDATION_FAILED.with({ errors: [{ field: nulIn, message }] }, nulIn, `${nulIn} ${message}`));
      }
      try {
        const result = await runtime.invokeRoute(request.tenant!, moduleId, {
          method: request.method,
          path: `/${rest ?? ''}`,
          query: request.query as Record<string, unknown>,
          headers: moduleHeaders(request),
          body: request.body ?? null,
          scopes: request.caller?.kind === 'api-key' ? request.caller.scopes : undefined,
        });
        const answer = result.answer!;
        const checked = checkModuleHeaders(answer.headers, `/api/v1/${request.tenant!.subdomain}/apps/${moduleId}/`);
        if (!checked.ok) return sendProblem(reply, SandboxErrors.SANDBOX_INVALID_RESPONSE(moduleId, checked.why));
        reply.code(answer.status).headers(checked.headers);
        if (!answer.headers['content-type']) reply.type(answer.text ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8');
        return reply.send(result.body.length > 0 ? result.body : '');
      } catch (err) {
        return fail(reply, err);
      }
    };
    for (const { scope: needed, methods } of METHODS_BY_SCOPE) {
      scope.route({
        method: [...methods],
        url: '/api/v1/:tenant/apps/:moduleId/*',
        bodyLimit: runtime.pool.options.limits.maxRequestBytes,
        schema: { hide: true, params: appParams },
        config: { policy: tenantPolicy(needed), idempotency: true },
        handler: (request, reply) => invoke(request, reply, request.params),
      });
    }
    scope.get(
      '/api/v1/:tenant/modules/:moduleId/logs',
      {
        config: { policy: tenantPolicy('admin') },
        schema: {
          tags: ['modules'],
          summary: "A module's log for this tenant, newest first",
          params: appParams,
          querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, before: { type: 'integer', minimum: 1 } } },
        },
      },
      async (request, reply) => {
        const { moduleId } = request.params;
        const { limit, before } = request.query;
        try {
          runtime.installed(request.tenant!.id, moduleId);
          return { items: await runtime.readLogs(request.tenant!, moduleId, { limit, before }) };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );
  });
}
