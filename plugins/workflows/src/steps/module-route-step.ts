import type { DoganError } from '@dogan/runtime';
import type { ModuleRequest, ModuleRuntime } from '@dogan/plugin-modules';
import type { ModuleRouteStep } from '../definition/types.js';
import { abortable, failureFrom, retryableByStatus, stepFailure, unavailable } from './step-failures.js';
import type { StepContext, StepExecutor, StepOutcome } from './step-executor.js';

/**
 * `module_route`: calls one route of a module the tenant enabled, in its sandbox with the tenant's
 * grants, as the HTTP route `/api/v1/{tenant}/apps/{module}/...` would, minus the HTTP layer (the
 * run was started by the tenant's own workflow, so no key's scopes narrow it).
 *
 * Idempotency: the module gets the attempt's key as the `idempotency-key` header, as a client that
 * retries a write sends it; a module that keys its writes on it does a resumed attempt's work once.
 *
 * Retries: the module's own answer decides by its status (2xx done; 4xx is the module saying no,
 * never retried; 5xx retried). A refusal of the platform (not enabled, no such route) is a 4xx and
 * final; a sandbox that is restarting, busy or timed out is a 5xx worth another attempt, except the
 * sandbox errors that the same call would meet again (a missing grant, an invalid answer).
 */

/** What the step needs of the modules plugin. */
export type ModuleRoutes = Pick<ModuleRuntime, 'invokeRoute'>;

/** Sandbox and module errors that are 5xx but not transient: the same call meets them again. */
const FINAL_CODES: ReadonlySet<string> = new Set([
  'SANDBOX_PERMISSION_DENIED',
  'SANDBOX_HTTP_FORBIDDEN',
  'SANDBOX_MODULE_INVALID',
  'SANDBOX_EVENT_LOOP',
  'SANDBOX_INVALID_RESPONSE',
  'SANDBOX_RESPONSE_TOO_LARGE',
  'MODULE_CAPABILITY_UNAVAILABLE',
]);

/** Whether another attempt of a module call may succeed after the platform refused or failed it. */
export function moduleCallRetryable(err: DoganError): boolean {
  return !FINAL_CODES.has(err.code) && retryableByStatus(err);
}

/** A query as a module reads one from a URL: strings, or lists of strings for repeated names. */
function queryStrings(query: Record<string, unknown> | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    out[name] = Array.isArray(value) ? value.filter((v) => v !== undefined && v !== null).map(text) : text(value);
  }
  return out;
}

/** A JSON answer's value (the sandbox checked it is JSON; text if it somehow is not), null when empty. */
function parseJson(text: string): unknown {
  if (text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function moduleRouteExecutor(modules: () => ModuleRoutes | undefined): StepExecutor<ModuleRouteStep> {
  return {
    type: 'module_route',
    // The sandbox bounds a route call itself (10 s wall clock by default); this leaves room for a cold host to start.
    defaultTimeoutMs: 30_000,
    async perform(step: ModuleRouteStep, ctx: StepContext): Promise<StepOutcome> {
      const runtime = modules();
      if (!runtime) throw unavailable('module_route', 'modules');
      const withBody = step.body !== undefined;
      const request: ModuleRequest = {
        method: step.method,
        path: step.path.startsWith('/') ? step.path : `/${step.path}`,
        query: queryStrings(step.query),
        headers: { 'idempotency-key': ctx.idempotencyKey, ...(withBody ? { 'content-type': 'application/json' } : {}) },
        body: withBody ? step.body : null,
      };
      const what = `module ${step.module} ${step.method} ${request.path}`;
      let result;
      try {
        result = await abortable(ctx.signal, runtime.invokeRoute(ctx.tenant, step.module, request));
      } catch (err) {
        throw failureFrom(ctx, err, 'WORKFLOW_MODULE_CALL_FAILED', what, moduleCallRetryable);
      }
      const answer = result.answer;
      const status = answer?.status ?? 200;
      const text = result.body.toString('utf8');
      const body = answer?.text ? text : parseJson(text);
      if (status < 200 || status > 299) {
        // 3xx and 4xx are the module's answer to this request; only its 5xx may change on another attempt.
        const excerpt = text.slice(0, 500);
        throw stepFailure('WORKFLOW_MODULE_CALL_FAILED', `${what} answered ${status}${excerpt ? `: ${excerpt}` : ''}`, status >= 500, { status, body: excerpt });
      }
      const headers = answer?.headers ?? {};
      return { kind: 'done', output: { status, body, ...(Object.keys(headers).length > 0 ? { headers: { ...headers } } : {}) } };
    },
  };
}
