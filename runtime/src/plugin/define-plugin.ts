import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AdminAuth } from '../auth/admin-token.js';
import type { Config } from '../config/schema.js';
import type { ServiceLookup, ServiceRef } from './service-ref.js';

/** A tenant as lifecycle hooks see it; the tenants plugin passes its full record. */
export interface TenantRef {
  readonly id: string;
  readonly subdomain: string;
}

/** What every hook and route factory of a plugin receives. */
export interface PluginContext {
  readonly plugin: { readonly name: string; readonly version: string };
  readonly config: Config;
  /** A child of the kernel logger bound to `{ plugin: name }`. */
  readonly log: Logger;
  /** The kernel's metrics registry (bounded label sets: never a label per tenant). */
  readonly metrics: Registry;
  readonly services: ServiceLookup;
  /** A line for the start-up banner (`dogan start`), e.g. where a demo tenant lives. */
  announce(line: string): void;
  /** The platform admin credential; use `adminAuth.preHandler` on `/api/admin/*` routes. */
  readonly adminAuth: AdminAuth;
  /**
   * Every loaded plugin with its context, in load order (a function: the list grows during init).
   * For platform plugins that act on all others: the tenants plugin runs their tenant migrations and
   * lifecycle hooks.
   */
  readonly peers: () => ReadonlyArray<{ readonly definition: PluginDefinition; readonly context: PluginContext }>;
  /** Every plugin definition being loaded, in load order (complete from the first init on). */
  readonly allPlugins: ReadonlyArray<PluginDefinition>;
  /** Names and versions of every loaded plugin, in load order. */
  readonly loadedPlugins: ReadonlyArray<{ name: string; version: string; dependencies: Record<string, string> }>;
}

/** What `init` may do beyond reading context: provide services and add readiness checks. */
export interface PluginInitContext extends PluginContext {
  /** Makes a service available to plugins that depend on this one; the ref must be in `provides`. */
  provide<T>(ref: ServiceRef<T>, implementation: T): void;
  /**
   * Translates problem titles (e.g. into the tenant's language); return undefined to keep the title.
   * One plugin (the localization plugin) sets it.
   */
  setProblemLocalizer(localizer: ProblemLocalizer): void;
  /** Adds a check to `GET /ready` (e.g. "database reachable"); it throws or rejects when not ready. */
  addReadinessCheck(name: string, check: () => Promise<void>): void;
}

export type ProblemLocalizer = (code: string, status: number, request: FastifyRequest) => string | undefined;

/** A tenant-database migration owned by a plugin; the tenants plugin runs them per tenant. */
export interface TenantMigration {
  /** Unique within the plugin and sortable: `0001-create-notes`. */
  readonly name: string;
  up(ctx: { execute(sql: string, params?: unknown[]): Promise<unknown>; dialect: 'sqlite' | 'postgresql' }): Promise<void>;
}

/** A `dogan <name> ...` command contributed by a plugin; it runs with the kernel initialised, not listening. */
export interface CliCommand {
  /** A few words (`migrate`, `tenant export`, `registry publisher add`). */
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Returns the process exit code. Long operations should print progress to stderr. */
  run(args: readonly string[], ctx: PluginContext): Promise<number>;
}

/** The contract of a first-party plugin. See `definePlugin`. */
export interface PluginDefinition {
  /** Unique name: lowercase words joined by dashes (`platform-info`). */
  readonly name: string;
  /** The plugin's own semver version. */
  readonly version: string;
  /** Semver range of kernel versions the plugin works with. */
  readonly kernel: string;
  readonly description?: string;
  /** Other plugins this one needs, as `{ name: semverRange }`; they load first and close last. */
  readonly dependencies?: Readonly<Record<string, string>>;
  /** Services this plugin provides; `init` must provide each. */
  readonly provides?: ReadonlyArray<ServiceRef<unknown>>;
  /** Services this plugin uses; each must come from the kernel or from a plugin it depends on. */
  readonly consumes?: ReadonlyArray<ServiceRef<unknown>>;
  /** Services used when present (`services.getOptional`); no dependency needed. */
  readonly optionallyConsumes?: ReadonlyArray<ServiceRef<unknown>>;
  /** MikroORM entity schemas of the control plane (tenants issue on). */
  readonly controlPlaneEntities?: ReadonlyArray<unknown>;
  /** MikroORM entity schemas of every tenant database. */
  readonly tenantEntities?: ReadonlyArray<unknown>;
  /** Tenant-database migrations, applied in name order per tenant. */
  readonly tenantMigrations?: ReadonlyArray<TenantMigration>;
  /**
   * OpenAPI security schemes its routes name in `schema.security` (e.g. a registry's publisher
   * token); the kernel declares them in `/docs/json`, which would otherwise be an invalid document.
   */
  readonly securitySchemes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Runs at load, in dependency order: provide services, open resources. */
  init?(ctx: PluginInitContext): Promise<void> | void;
  /**
   * Cross-cutting request hooks on the root instance (tenant resolution, metering); not encapsulated,
   * so use sparingly and keep them cheap: they run on every request.
   */
  pipeline?(app: FastifyInstance, ctx: PluginContext): Promise<void> | void;
  /** The plugin's routes, registered as an encapsulated Fastify plugin; every route has a JSON schema. */
  routes?(app: FastifyInstance, ctx: PluginContext): Promise<void> | void;
  /** After every plugin is loaded and routes are registered, before listening. */
  onReady?(ctx: PluginContext): Promise<void> | void;
  onTenantProvisioned?(tenant: TenantRef, ctx: PluginContext): Promise<void> | void;
  onTenantDeleted?(tenant: TenantRef, ctx: PluginContext): Promise<void> | void;
  /** CLI commands this plugin adds to `dogan`. */
  readonly commands?: ReadonlyArray<CliCommand>;
  /** At shutdown, in reverse load order. */
  onClose?(ctx: PluginContext): Promise<void> | void;
}

/**
 * Declares a first-party plugin. An identity function that exists for types, as Directus'
 * `defineEndpoint` does; the loader validates the definition when it loads it.
 */
export function definePlugin<const D extends PluginDefinition>(definition: D): D {
  return definition;
}
