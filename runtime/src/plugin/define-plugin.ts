import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AdminAuth } from '../auth/admin-token.js';
import type { Config, ConfigSchema, ConfigValues } from '../config/schema.js';
import type { RouteGuard, RouteGuardStage } from '../http/route-policy.js';
import type { ServiceLookup, ServiceRef } from './service-ref.js';

/** A tenant as lifecycle hooks see it; the tenants plugin passes its full record. */
export interface TenantRef {
  readonly id: string;
  readonly subdomain: string;
}

/** A plugin's service dependencies by name, Backstage-style: `{ tenants: tenantsApiRef }`. */
export type ServiceDeps = Readonly<Record<string, ServiceRef<unknown>>>;

/** The services a plugin declared, resolved and typed by their refs. */
export type ResolvedDeps<D> = { readonly [K in keyof D]: D[K] extends ServiceRef<infer T> ? T : never };

/** Optional services: present when their provider is loaded and initialised before this plugin. */
export type ResolvedOptionalDeps<D> = { readonly [K in keyof D]: (D[K] extends ServiceRef<infer T> ? T : never) | undefined };

/** A tenant hook of one loaded plugin, bound to that plugin's own context and instance. */
export interface TenantHooks {
  readonly plugin: string;
  provisioned?(tenant: TenantRef): Promise<void>;
  deleted?(tenant: TenantRef): Promise<void>;
}

/**
 * What the loaded plugins contribute to the platform: read by the plugin that manages tenants (it runs
 * their migrations and tenant hooks) without reaching into other plugins' contexts or instances.
 */
export interface PluginContributions {
  controlPlaneEntities(): unknown[];
  /** Every loaded plugin's control-plane migrations in load order, each plugin's in name order. */
  controlPlaneMigrations(): Array<{ readonly plugin: string; readonly migration: ControlPlaneMigration }>;
  tenantEntities(): unknown[];
  /** Every loaded plugin's tenant migrations in load order, each plugin's in name order. */
  tenantMigrations(): Array<{ readonly plugin: string; readonly migration: TenantMigration }>;
  /** The tenant hooks of the initialised plugins, in load order. */
  tenantHooks(): TenantHooks[];
}

/** What every hook and route factory of a plugin receives. */
export interface PluginContext<C = unknown, D = unknown> {
  readonly plugin: { readonly name: string; readonly version: string };
  /** The kernel's variables and this plugin's own (declared in `config`), validated at start. */
  readonly config: Config & C;
  /** The services the plugin declared in `deps` (and `optionalDeps`, when present at init). */
  readonly deps: D;
  /** A child of the kernel logger bound to `{ plugin: name }`. */
  readonly log: Logger;
  /** The kernel's metrics registry (bounded label sets: never a label per tenant). */
  readonly metrics: Registry;
  /**
   * Late look-up of a declared optional service whose provider loads after this plugin (it depends on
   * this one), for use at request time.
   */
  readonly services: ServiceLookup;
  /** A line for the start-up banner (`dogan start`), e.g. where a demo tenant lives. */
  announce(line: string): void;
  /** The platform admin credential (routes declare `config.policy` with `auth: 'platform-admin'` instead of checking it). */
  readonly adminAuth: AdminAuth;
  /** What the loaded plugins contribute (migrations, entities, tenant hooks). */
  readonly contributions: PluginContributions;
  /** Names and versions of every loaded plugin, in load order. */
  readonly loadedPlugins: ReadonlyArray<{ name: string; version: string; dependencies: Record<string, string> }>;
}

/** What `init` may do beyond reading context: provide services and add readiness checks. */
export interface PluginInitContext<C = unknown, D = unknown> extends PluginContext<C, D> {
  /** Makes a service available to plugins that depend on this one; the ref must be in `provides`. */
  provide<T>(ref: ServiceRef<T>, implementation: T): void;
  /**
   * Translates problem titles (e.g. into the tenant's language); return undefined to keep the title.
   * One plugin (the localization plugin) sets it.
   */
  setProblemLocalizer(localizer: ProblemLocalizer): void;
  /**
   * Adds a check to `GET /ready` (e.g. "database reachable"); it throws or rejects when not ready, and
   * resolves to `{ degraded: why }` when the node serves with a dependency impaired (200, status `degraded`).
   */
  addReadinessCheck(name: string, check: () => Promise<void | { readonly degraded: string }>): void;
  /**
   * Contributes a stage of the route-policy chain the kernel runs on routes declaring `auth: 'tenant'`,
   * in the fixed order `tenant` → `scope` → `quota` (see `RouteGuardStage`); one plugin per stage.
   */
  addRouteGuard(stage: RouteGuardStage, guard: RouteGuard): void;
}

export type ProblemLocalizer = (code: string, status: number, request: FastifyRequest) => string | undefined;

/**
 * A table a plugin owns, as MikroORM entity metadata (what `new EntitySchema(...)` takes), so a plugin
 * needs no ORM import to declare one; the plugin that opens the databases builds the schema.
 */
export interface EntityDefinition {
  /** The entity's name, used in queries (`em.find('LoyaltyAccount', ...)`). */
  readonly name: string;
  readonly tableName?: string;
  readonly properties: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A tenant-database migration owned by a plugin; the tenants plugin runs them per tenant. */
export interface TenantMigration {
  /** Unique within the plugin and sortable: `0001-create-notes`. */
  readonly name: string;
  up(ctx: { execute(sql: string, params?: unknown[]): Promise<unknown>; dialect: 'sqlite' | 'postgresql' }): Promise<void>;
}

/**
 * A control-plane migration owned by a plugin: applied once per deployment, at the first start that
 * finds it pending, by one node under a cluster-wide lock, and recorded in `dogan_control_plane_migrations`.
 */
export interface ControlPlaneMigration extends TenantMigration {
  /**
   * For a plugin's first migration: the tables it creates. A control plane from before migrations
   * (its schema kept by `updateSchema` at every start) already has them: when it has every one and the
   * migration is not recorded, it is recorded as applied (a baseline) without running.
   */
  readonly baselineTables?: readonly string[];
}

/** A `dogan <name> ...` command contributed by a plugin; it runs with the kernel initialised, not listening. */
export interface CliCommand<I = unknown> {
  /** A few words (`migrate`, `tenant export`, `registry publisher add`). */
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Returns the process exit code. Long operations should print progress to stderr. */
  run(args: readonly string[], ctx: PluginContext, instance: I): Promise<number>;
}

type Ctx<S, D, O> = PluginContext<ConfigValues<S>, ResolvedDeps<D> & ResolvedOptionalDeps<O>>;

/** The contract of a plugin. See `definePlugin`. */
export interface PluginDefinition<S extends ConfigSchema = ConfigSchema, D extends ServiceDeps = ServiceDeps, O extends ServiceDeps = ServiceDeps, I = unknown> {
  /** Unique name: lowercase words joined by dashes (`platform-info`). */
  readonly name: string;
  /** The plugin's own semver version. */
  readonly version: string;
  /** Semver range of kernel versions the plugin works with. */
  readonly kernel: string;
  readonly description?: string;
  /**
   * Version ranges of plugins this one needs, `{ name: semverRange }`, checked at start. The load
   * order follows from `deps`: a plugin loads after the providers of the services it uses.
   */
  readonly dependencies?: Readonly<Record<string, string>>;
  /** The plugin's environment variables (names unchanged from the original system). */
  readonly config?: S;
  /** Rules across the plugin's variables; push a message naming the variable for each problem. */
  checkConfig?(values: ConfigValues<S>, problems: string[]): void;
  /** Services this plugin uses; their providers load first, and `ctx.deps` holds them. */
  readonly deps?: D;
  /** Services used when present; no dependency needed. */
  readonly optionalDeps?: O;
  /** Services this plugin provides; `init` must provide each, and no other plugin may. */
  readonly provides?: ReadonlyArray<ServiceRef<unknown>>;
  /** The control plane's entities: MikroORM `EntitySchema`s or their plain metadata (`EntityDefinition`). */
  readonly controlPlaneEntities?: ReadonlyArray<EntityDefinition | object>;
  /** Control-plane migrations creating and changing the tables of `controlPlaneEntities`, applied once per cluster in name order. */
  readonly controlPlaneMigrations?: ReadonlyArray<ControlPlaneMigration>;
  /** Every tenant database's entities: MikroORM `EntitySchema`s or their plain metadata (`EntityDefinition`). */
  readonly tenantEntities?: ReadonlyArray<EntityDefinition | object>;
  /** Tenant-database migrations, applied in name order per tenant. */
  readonly tenantMigrations?: ReadonlyArray<TenantMigration>;
  /**
   * OpenAPI security schemes its routes name in `schema.security` (e.g. a registry's publisher
   * token); the kernel declares them in `/docs/json`, which would otherwise be an invalid document.
   */
  readonly securitySchemes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Runs at load, in dependency order: provide services, open resources; returns the plugin's instance. */
  init?(ctx: PluginInitContext<ConfigValues<S>, ResolvedDeps<D> & ResolvedOptionalDeps<O>>): Promise<I> | I;
  /**
   * Cross-cutting request hooks on the root instance (tenant resolution, metering); not encapsulated,
   * so use sparingly and keep them cheap: they run on every request.
   */
  pipeline?(app: FastifyInstance, ctx: Ctx<S, D, O>, instance: I): Promise<void> | void;
  /** The plugin's routes, registered as an encapsulated Fastify plugin; every route has a JSON schema. */
  routes?(app: FastifyInstance, ctx: Ctx<S, D, O>, instance: I): Promise<void> | void;
  /** After every plugin is loaded and routes are registered, before listening. */
  onReady?(ctx: Ctx<S, D, O>, instance: I): Promise<void> | void;
  onTenantProvisioned?(tenant: TenantRef, ctx: Ctx<S, D, O>, instance: I): Promise<void> | void;
  onTenantDeleted?(tenant: TenantRef, ctx: Ctx<S, D, O>, instance: I): Promise<void> | void;
  /** CLI commands this plugin adds to `dogan`. */
  readonly commands?: ReadonlyArray<CliCommand<I>>;
  /** At shutdown, in reverse load order (only plugins whose init finished). */
  onClose?(ctx: Ctx<S, D, O>, instance: I): Promise<void> | void;
}

/** Any plugin, as the kernel handles them. */
export type AnyPluginDefinition = PluginDefinition<any, any, any, any>;

/**
 * Declares a plugin: its config schema, the services it uses (`deps`) and provides, and its lifecycle.
 * `init` receives its declared services and config and returns the plugin's instance, which `routes`,
 * `onReady` and `onClose` receive. An identity function that exists for types; the loader validates
 * the definition when it loads it.
 */
export function definePlugin<const S extends ConfigSchema = Record<never, never>, const D extends ServiceDeps = Record<never, never>, const O extends ServiceDeps = Record<never, never>, I = void>(
  definition: PluginDefinition<S, D, O, I>,
): PluginDefinition<S, D, O, I> {
  return definition;
}
