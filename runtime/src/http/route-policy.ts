import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import type { AdminAuth } from '../auth/admin-token.js';
import { KernelErrors } from '../errors.js';
import type { DoganError } from '../errors/dogan-error.js';
import { sendProblem } from './problem.js';

/** What a tenant API key is granted, one by one (the platform admin token holds all three). */
export type TenantScope = 'read' | 'write' | 'admin';
/** What a route needs: `public` for routes anyone may call. */
export type RouteScope = 'public' | TenantScope;

/** Anyone may call: health, docs, a public catalog. */
export interface PublicRoutePolicy {
  readonly auth: 'public';
  readonly scope: 'public';
}

/** The platform admin token, checked by the kernel. */
export interface PlatformAdminRoutePolicy {
  readonly auth: 'platform-admin';
  readonly scope: 'admin';
}

/**
 * A tenant's API key (or the platform admin token) for a resolved tenant. The `tenant` stage
 * authenticates, resolves the tenant and applies its status gate; the `scope` stage checks the key.
 */
export interface TenantRoutePolicy {
  readonly auth: 'tenant';
  readonly scope: TenantScope;
  /** Tenant statuses let through besides trial and active (billing admits suspended ones, so they can pay). */
  readonly allowStatuses?: readonly string[];
  /** Whether calls count against the tenant's API-call quota; default true. */
  readonly metered?: boolean;
}

/**
 * A credential the route checks itself, which the kernel cannot: a payment provider's webhook
 * signature, a registry publisher's token. `credential` names it; `scope` says what it lets the
 * caller do.
 */
export interface RouteCredentialPolicy {
  readonly auth: 'route';
  readonly credential: string;
  readonly scope: TenantScope;
}

/** Who may call a route and what it needs. Every route declares one in `config.policy`. */
export type RoutePolicy = PublicRoutePolicy | PlatformAdminRoutePolicy | TenantRoutePolicy | RouteCredentialPolicy;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route and what it needs; a route without one is refused at start. */
    policy?: RoutePolicy;
  }
}

export const PUBLIC_POLICY: PublicRoutePolicy = Object.freeze({ auth: 'public', scope: 'public' });
export const PLATFORM_ADMIN_POLICY: PlatformAdminRoutePolicy = Object.freeze({ auth: 'platform-admin', scope: 'admin' });

export function tenantPolicy(scope: TenantScope, options: { allowStatuses?: readonly string[]; metered?: boolean } = {}): TenantRoutePolicy {
  return Object.freeze({ auth: 'tenant', scope, ...options });
}

export function routeCredentialPolicy(credential: string, scope: TenantScope): RouteCredentialPolicy {
  return Object.freeze({ auth: 'route', credential, scope });
}

/** Whether a route's calls count against the tenant's API-call quota. */
export function isMetered(policy: RoutePolicy | undefined): boolean {
  return policy?.auth === 'tenant' && policy.metered !== false;
}

/**
 * The stages plugins contribute to tenant routes, in the order the chain runs them: `tenant`
 * (authenticate, resolve the tenant, status gate), `scope` (the key holds the route's scope),
 * `quota` (API-call metering; skipped on routes with `metered: false`).
 */
export const ROUTE_GUARD_STAGES = ['tenant', 'scope', 'quota'] as const;
export type RouteGuardStage = (typeof ROUTE_GUARD_STAGES)[number];

/**
 * One stage of the chain: undefined lets the request on, an error refuses it (the kernel sends it
 * as problem+json; the guard may set headers such as Retry-After first). A guard that can decide
 * from memory answers synchronously: no promise on the hot path.
 */
export type RouteGuard = (request: FastifyRequest, reply: FastifyReply, policy: TenantRoutePolicy) => DoganError | undefined | Promise<DoganError | undefined>;

/** The guards plugins contributed, one per stage. */
export class RouteGuards {
  private readonly byStage = new Map<RouteGuardStage, { plugin: string; guard: RouteGuard }>();

  add(stage: RouteGuardStage, guard: RouteGuard, plugin: string): void {
    if (!(ROUTE_GUARD_STAGES as readonly string[]).includes(stage)) throw KernelErrors.PLUGIN_ROUTE_GUARD_INVALID(plugin, String(stage), ROUTE_GUARD_STAGES.join(', '));
    const existing = this.byStage.get(stage);
    if (existing) throw KernelErrors.PLUGIN_ROUTE_GUARD_DUPLICATE(stage, existing.plugin, plugin);
    this.byStage.set(stage, { plugin, guard });
  }

  has(stage: RouteGuardStage): boolean {
    return this.byStage.has(stage);
  }

  /** The guards of a tenant route in chain order. */
  chain(metered: boolean): RouteGuard[] {
    return ROUTE_GUARD_STAGES.filter((s) => metered || s !== 'quota').flatMap((s) => {
      const entry = this.byStage.get(s);
      return entry ? [entry.guard] : [];
    });
  }
}

const AUTHS = new Set(['public', 'platform-admin', 'tenant', 'route']);
const TENANT_SCOPES = new Set(['read', 'write', 'admin']);

/** Why a declared policy cannot be enforced as written, or undefined when it can. */
function policyProblem(policy: RoutePolicy, guards: RouteGuards): string | undefined {
  if (!policy || typeof policy !== 'object' || !AUTHS.has(policy.auth)) return `auth must be one of ${[...AUTHS].join(', ')}`;
  switch (policy.auth) {
    case 'public':
      return policy.scope === 'public' ? undefined : 'a public route has scope "public"';
    case 'platform-admin':
      return policy.scope === 'admin' ? undefined : 'a platform-admin route has scope "admin"';
    case 'route':
      if (typeof policy.credential !== 'string' || !policy.credential) return 'a route that checks its own credential names it in "credential"';
      return TENANT_SCOPES.has(policy.scope) ? undefined : 'scope must be read, write or admin';
    case 'tenant':
      if (!TENANT_SCOPES.has(policy.scope)) return 'scope must be read, write or admin';
      // Fail closed: a tenant route nobody can authenticate or scope-check is not served at all.
      for (const stage of ['tenant', 'scope'] as const) {
        if (!guards.has(stage)) return `no loaded plugin contributes the "${stage}" stage its auth needs (load the tenants plugin)`;
      }
      return undefined;
  }
}

function methodsOf(route: RouteOptions): string {
  return Array.isArray(route.method) ? route.method.join(',') : String(route.method);
}

/**
 * Refuses, as it is declared, every route added from here on without a valid `config.policy`: the
 * error names the method and URL, and the kernel does not start. The kernel's own routes come
 * before and declare theirs.
 */
export function refuseUndeclaredRoutes(app: FastifyInstance, guards: RouteGuards): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const policy = route.config?.policy;
    if (policy === undefined) throw KernelErrors.ROUTE_POLICY_MISSING(methodsOf(route), route.url);
    const problem = policyProblem(policy, guards);
    if (problem) throw KernelErrors.ROUTE_POLICY_INVALID(methodsOf(route), route.url, problem);
  });
}

function runGuards(guards: readonly RouteGuard[], from: number, request: FastifyRequest, reply: FastifyReply, policy: TenantRoutePolicy, done: HookHandlerDoneFunction): void {
  for (let i = from; i < guards.length; i++) {
    const result = guards[i]!(request, reply, policy);
    if (result instanceof Promise) {
      result.then((refusal) => (refusal ? void sendProblem(reply, refusal) : runGuards(guards, i + 1, request, reply, policy, done)), done);
      return;
    }
    if (result) return void sendProblem(reply, result);
  }
  done();
}

/**
 * The one chain every request passes before its input is validated (an unauthenticated caller
 * learns nothing of a route's schema): it reads the route's policy and runs, in this order, the
 * platform admin check (the kernel's) or, on tenant routes, the contributed `tenant`, `scope` and
 * `quota` stages. Routes the route itself authenticates, and public ones, pass straight on.
 */
export function installRoutePolicy(app: FastifyInstance, deps: { adminAuth: AdminAuth; guards: RouteGuards }): void {
  const metered = deps.guards.chain(true);
  const unmetered = deps.guards.chain(false);
  app.addHook('preValidation', (request, reply, done) => {
    const policy = request.routeOptions.config.policy;
    switch (policy?.auth) {
      case 'public':
      case 'route':
        return done();
      case 'platform-admin': {
        const refusal = deps.adminAuth.check(request);
        return refusal ? void sendProblem(reply, refusal) : done();
      }
      case 'tenant':
        return runGuards(policy.metered === false ? unmetered : metered, 0, request, reply, policy, done);
      default:
        // Only the not-found handler has no policy; anything else slipped past the declaration check.
        if (request.is404) return done();
        return void sendProblem(reply, KernelErrors.ROUTE_POLICY_MISSING(request.method, request.routeOptions.url ?? request.url));
    }
  });
}

/** The OpenAPI security requirement a policy means (a route-checked credential keeps what the route names). */
export function securityOf(policy: RoutePolicy, declared: unknown): Array<Record<string, string[]>> {
  switch (policy.auth) {
    case 'public':
      return [];
    case 'platform-admin':
      return [{ bearer: [] }];
    case 'tenant':
      return [{ bearer: [] }, { apiKey: [] }];
    case 'route':
      return Array.isArray(declared) ? (declared as Array<Record<string, string[]>>) : [];
  }
}

/** The `x-dogan-policy` extension of an OpenAPI operation: the declared policy, as clients need it. */
export function describePolicy(policy: RoutePolicy): Record<string, unknown> {
  switch (policy.auth) {
    case 'tenant':
      return { auth: policy.auth, scope: policy.scope, metered: policy.metered !== false, ...(policy.allowStatuses ? { allowStatuses: [...policy.allowStatuses] } : {}) };
    case 'route':
      return { auth: policy.auth, scope: policy.scope, credential: policy.credential };
    default:
      return { auth: policy.auth, scope: policy.scope };
  }
}
