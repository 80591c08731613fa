import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AdminAuth } from '../auth/admin-token.js';
import type { Config } from '../config/schema.js';
import { KernelErrors } from '../errors.js';
import { isDoganError } from '../errors/dogan-error.js';
import type { PluginContext, PluginDefinition, PluginInitContext, ProblemLocalizer, TenantRef } from './define-plugin.js';
import type { ServiceLookup, ServiceRef } from './service-ref.js';

export interface LoadedPlugin {
  readonly definition: PluginDefinition;
  readonly context: PluginContext;
}

export type ReadinessCheck = { plugin: string; name: string; check: () => Promise<void> };

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
  private readonly services = new Map<string, unknown>();

  constructor(
    private readonly ordered: readonly PluginDefinition[],
    private readonly deps: { config: Config; log: Logger; metrics: Registry; adminAuth: AdminAuth },
  ) {}

  get summary() {
    return this.ordered.map((d) => ({ name: d.name, version: d.version, dependencies: { ...(d.dependencies ?? {}) } }));
  }

  /** A service any loaded plugin provides: for the CLI, embedding and tests (plugins use their context). */
  service<T>(ref: ServiceRef<T>): T {
    if (!this.services.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_MISSING(ref.id, '(kernel caller)');
    return this.services.get(ref.id) as T;
  }

  private lookupFor(def: PluginDefinition): ServiceLookup {
    const allowed = new Set([...(def.consumes ?? []), ...(def.optionallyConsumes ?? [])].map((r) => r.id));
    const services = this.services;
    return {
      get<T>(ref: ServiceRef<T>): T {
        if (!allowed.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_UNDECLARED(def.name, 'asked for', ref.id, 'consumes');
        if (!services.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_MISSING(ref.id, def.name);
        return services.get(ref.id) as T;
      },
      getOptional<T>(ref: ServiceRef<T>): T | undefined {
        if (!allowed.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_UNDECLARED(def.name, 'asked for', ref.id, 'consumes');
        return services.get(ref.id) as T | undefined;
      },
    };
  }

  private async step(def: PluginDefinition, phase: string, run: () => Promise<void> | void): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (isDoganError(err) && err.code.startsWith('PLUGIN_')) throw err;
      throw KernelErrors.PLUGIN_INIT_FAILED.with(undefined, def.name, phase, (err as Error)?.message ?? String(err));
    }
  }

  /** Initialises every plugin in order; a failure closes the ones already initialised. */
  async init(): Promise<void> {
    const summary = this.summary;
    for (const def of this.ordered) {
      const context: PluginContext = {
        plugin: { name: def.name, version: def.version },
        config: this.deps.config,
        log: this.deps.log.child({ plugin: def.name }),
        metrics: this.deps.metrics,
        services: this.lookupFor(def),
        adminAuth: this.deps.adminAuth,
        peers: () => this.plugins,
        allPlugins: this.ordered,
        announce: (line) => void this.announcements.push(line),
        loadedPlugins: summary,
      };
      const provides = new Set((def.provides ?? []).map((r) => r.id));
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
      };
      try {
        await this.step(def, 'init', () => def.init?.(initContext));
        for (const id of provides) {
          if (!this.services.has(id)) throw KernelErrors.PLUGIN_INIT_FAILED(def.name, 'init', `it declares service "${id}" but did not provide it`);
        }
      } catch (err) {
        await this.close();
        throw err;
      }
      this.plugins.push({ definition: def, context });
    }
  }

  /** Registers pipeline hooks on the root instance, then each plugin's routes encapsulated. */
  async register(app: FastifyInstance): Promise<void> {
    for (const { definition: def, context } of this.plugins) {
      if (def.pipeline) await this.step(def, 'pipeline', () => def.pipeline!(app, context));
    }
    for (const { definition: def, context } of this.plugins) {
      if (def.routes) {
        await app.register(async (scope) => {
          await def.routes!(scope, context);
        });
      }
    }
  }

  async ready(): Promise<void> {
    for (const { definition: def, context } of this.plugins) {
      if (def.onReady) await this.step(def, 'onReady', () => def.onReady!(context));
    }
  }

  async tenantProvisioned(tenant: TenantRef): Promise<void> {
    for (const { definition: def, context } of this.plugins) await def.onTenantProvisioned?.(tenant, context);
  }

  async tenantDeleted(tenant: TenantRef): Promise<void> {
    for (const { definition: def, context } of this.plugins) await def.onTenantDeleted?.(tenant, context);
  }

  /** Closes in reverse load order; one plugin's failure is logged and does not stop the others. */
  async close(): Promise<void> {
    while (this.plugins.length > 0) {
      const { definition: def, context } = this.plugins.pop()!;
      try {
        await def.onClose?.(context);
      } catch (err) {
        context.log.error({ err }, 'plugin failed to close');
      }
    }
  }
}
