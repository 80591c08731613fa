import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AdminAuth } from '../auth/admin-token.js';
import type { Config } from '../config/schema.js';
import { KernelErrors } from '../errors.js';
import { isDoganError } from '../errors/dogan-error.js';
import { RouteGuards } from '../http/route-policy.js';
import type { AnyPluginDefinition, PluginContext, PluginContributions, PluginInitContext, ProblemLocalizer, TenantHooks, TenantRef } from './define-plugin.js';
import { providedServices, requiredPlugins } from './resolve-plugins.js';
import type { ServiceLookup, ServiceRef } from './service-ref.js';

export interface LoadedPlugin {
  readonly definition: AnyPluginDefinition;
  readonly context: PluginContext;
  /** What the plugin's `init` returned. */
  readonly instance: unknown;
}

/**
 * What a readiness check resolves to: nothing when all is well, or `{ degraded }` when the node still
 * serves but a dependency is impaired (the event bus while NATS is away: events wait in the outbox).
 */
export type ReadinessOutcome = void | { readonly degraded: string };

export type ReadinessCheck = { plugin: string; name: string; check: () => Promise<ReadinessOutcome> };

/** Each plugin's own configuration values, merged with the kernel's (see `resolvePluginConfigs`). */
export type PluginConfigs = ReadonlyMap<string, Config>;

/**
 * Runs the lifecycle of the loaded plugins: init in dependency order, then pipeline hooks, routes and
 * `onReady`; tenant hooks in the same order; `onClose` in reverse.
 */
export class PluginHost {
  readonly plugins: LoadedPlugin[] = [];
  readonly readinessChecks: ReadinessCheck[] = [];
  /** Lines plugins asked to show in the start-up banner. */
  readonly announcements: string[] = [];
  /** Set by a localization plugin; read by the problem+json edge. */
  problemLocalizer: ProblemLocalizer | undefined;
  /** Stages plugins contributed to the route-policy chain (read by the kernel's `installRoutePolicy`). */
  readonly routeGuards = new RouteGuards();
  private readonly services = new Map<string, unknown>();
  readonly contributions: PluginContributions;

  constructor(
    private readonly ordered: readonly AnyPluginDefinition[],
    private readonly deps: { config: Config; configs?: PluginConfigs; log: Logger; metrics: Registry; adminAuth: AdminAuth },
  ) {
    const byName = <T>(list: readonly T[] | undefined) => [...(list ?? [])];
    const sorted = (list: AnyPluginDefinition['tenantMigrations']) => byName(list).sort((a, b) => a.name.localeCompare(b.name));
    this.contributions = {
      controlPlaneEntities: () => ordered.flatMap((d) => byName(d.controlPlaneEntities)),
      controlPlaneMigrations: () => ordered.flatMap((d) => sorted(d.controlPlaneMigrations).map((migration) => ({ plugin: d.name, migration }))),
      tenantEntities: () => ordered.flatMap((d) => byName(d.tenantEntities)),
      tenantMigrations: () => ordered.flatMap((d) => sorted(d.tenantMigrations).map((migration) => ({ plugin: d.name, migration }))),
      tenantHooks: () => this.plugins.filter((p) => p.definition.onTenantProvisioned || p.definition.onTenantDeleted).map((p) => this.tenantHooksOf(p)),
    };
  }

  get summary() {
    return this.ordered.map((d) => ({ name: d.name, version: d.version, dependencies: requiredPlugins(d, this.ordered) }));
  }

  /** A service any loaded plugin provides: for the CLI, embedding and tests (plugins use their context). */
  service<T>(ref: ServiceRef<T>): T {
    if (!this.services.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_MISSING(ref.id, '(kernel caller)');
    return this.services.get(ref.id) as T;
  }

  /** The instance a loaded plugin's `init` returned (CLI commands, tests). */
  instanceOf(name: string): unknown {
    return this.plugins.find((p) => p.definition.name === name)?.instance;
  }

  private tenantHooksOf({ definition: def, context, instance }: LoadedPlugin): TenantHooks {
    return {
      plugin: def.name,
      provisioned: def.onTenantProvisioned ? async (tenant: TenantRef) => void (await def.onTenantProvisioned!(tenant, context as never, instance)) : undefined,
      deleted: def.onTenantDeleted ? async (tenant: TenantRef) => void (await def.onTenantDeleted!(tenant, context as never, instance)) : undefined,
    };
  }

  private lookupFor(def: AnyPluginDefinition): ServiceLookup {
    const allowed = new Set(Object.values({ ...(def.deps ?? {}), ...(def.optionalDeps ?? {}) }).map((r) => (r as ServiceRef<unknown>).id));
    const services = this.services;
    return {
      get<T>(ref: ServiceRef<T>): T {
        if (!allowed.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_UNDECLARED(def.name, 'asked for', ref.id, 'deps');
        if (!services.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_MISSING(ref.id, def.name);
        return services.get(ref.id) as T;
      },
      getOptional<T>(ref: ServiceRef<T>): T | undefined {
        if (!allowed.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_UNDECLARED(def.name, 'asked for', ref.id, 'optionalDeps');
        return services.get(ref.id) as T | undefined;
      },
    };
  }

  /** The declared services, resolved: required ones must exist (their providers loaded first). */
  private depsFor(def: AnyPluginDefinition): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, ref] of Object.entries((def.deps ?? {}) as Record<string, ServiceRef<unknown>>)) {
      if (!this.services.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_MISSING(ref.id, def.name);
      out[key] = this.services.get(ref.id);
    }
    for (const [key, ref] of Object.entries((def.optionalDeps ?? {}) as Record<string, ServiceRef<unknown>>)) out[key] = this.services.get(ref.id);
    return Object.freeze(out);
  }

  private async step<T>(def: AnyPluginDefinition, phase: string, run: () => Promise<T> | T): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isDoganError(err) && err.code.startsWith('PLUGIN_')) throw err;
      throw KernelErrors.PLUGIN_INIT_FAILED.with(undefined, def.name, phase, (err as Error)?.message ?? String(err));
    }
  }

  /** Initialises every plugin in order; a failure closes the ones already initialised. */
  async init(): Promise<void> {
    const summary = this.summary;
    for (const def of this.ordered) {
      const provides = new Set(providedServices(def).map((r) => r.id));
      let context: PluginContext;
      try {
        context = {
          plugin: { name: def.name, version: def.version },
          config: this.deps.configs?.get(def.name) ?? this.deps.config,
          deps: this.depsFor(def),
          log: this.deps.log.child({ plugin: def.name }),
          metrics: this.deps.metrics,
          services: this.lookupFor(def),
          adminAuth: this.deps.adminAuth,
          contributions: this.contributions,
          announce: (line) => void this.announcements.push(line),
          loadedPlugins: summary,
        };
      } catch (err) {
        await this.close();
        throw err;
      }
      const initContext: PluginInitContext = {
        ...context,
        provide: (ref, implementation) => {
          if (!provides.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_UNDECLARED(def.name, 'provided', ref.id, 'provides');
          this.services.set(ref.id, implementation);
        },
        setProblemLocalizer: (localizer) => {
          this.problemLocalizer = localizer;
        },
        addReadinessCheck: (name, check) => this.readinessChecks.push({ plugin: def.name, name, check }),
        addRouteGuard: (stage, guard) => this.routeGuards.add(stage, guard, def.name),
      };
      let instance: unknown;
      try {
        instance = await this.step(def, 'init', () => def.init?.(initContext as never));
        for (const id of provides) {
          if (!this.services.has(id)) throw KernelErrors.PLUGIN_INIT_FAILED(def.name, 'init', `it declares service "${id}" but did not provide it`);
        }
      } catch (err) {
        await this.close();
        throw err;
      }
      this.plugins.push({ definition: def, context, instance });
    }
  }

  /** Registers pipeline hooks on the root instance, then each plugin's routes encapsulated. */
  async register(app: FastifyInstance): Promise<void> {
    for (const { definition: def, context, instance } of this.plugins) {
      if (def.pipeline) await this.step(def, 'pipeline', () => def.pipeline!(app, context as never, instance));
    }
    for (const { definition: def, context, instance } of this.plugins) {
      if (def.routes) {
        await app.register(async (scope) => {
          await def.routes!(scope, context as never, instance);
        });
      }
    }
  }

  async ready(): Promise<void> {
    for (const { definition: def, context, instance } of this.plugins) {
      if (def.onReady) await this.step(def, 'onReady', () => def.onReady!(context as never, instance));
    }
  }

  async tenantProvisioned(tenant: TenantRef): Promise<void> {
    for (const hooks of this.contributions.tenantHooks()) await hooks.provisioned?.(tenant);
  }

  async tenantDeleted(tenant: TenantRef): Promise<void> {
    for (const hooks of this.contributions.tenantHooks()) await hooks.deleted?.(tenant);
  }

  /**
   * Closes the initialised plugins in reverse load order (one whose init failed must clean up before
   * it throws); one plugin's failure is logged and does not stop the others.
   */
  async close(): Promise<void> {
    for (const { definition: def, context, instance } of this.plugins.splice(0).reverse()) {
      try {
        await def.onClose?.(context as never, instance);
      } catch (err) {
        context.log.error({ err }, 'plugin failed to close');
      }
    }
  }
}
