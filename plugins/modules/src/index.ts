import { createServiceRef, definePlugin } from '@dogan/runtime';
import { tenantsApiRef } from '@dogan/tenants';
import type { SandboxOptionsInput } from '@dogan/runtime/sandbox';
import { modulesConfigSchema, sandboxOptionsFromConfig } from './config.js';
import { ModuleRuntime } from './module-runtime.js';
import { moduleRoutes } from './routes.js';
import { moduleTenantMigrations } from './storage/migrations.js';
import { ModuleData, moduleDataRef } from './storage/module-data.js';

export { ModuleRuntime, resolveGrants, type AnsweredRoute, type ModuleRequest } from './module-runtime.js';
export { REDACTED, secretFields } from './redaction.js';
export { ModuleErrors } from './errors.js';
export { loadModuleFromDirectory, moduleFromSource, type LoadedModule } from './loaded-module.js';
export type { ModuleInstall } from './installs.js';
export type { ModuleLogLine } from './module-log.js';
export { ModuleData, moduleDataRef, type ModuleDataSnapshot } from './storage/module-data.js';

/** The modules runtime, for the marketplace plugin (install, upgrade, uninstall) and the SDK harness. */
export const modulesRuntimeRef = createServiceRef<ModuleRuntime>({ id: 'modules.runtime' });

export interface ModulesPluginOptions {
  /** Sandbox options; default: the SANDBOX_* config variables over the built-in defaults. */
  readonly sandbox?: SandboxOptionsInput;
}

/** Builds the plugin; tests pass sandbox options (hosts, limits, a network policy). */
export function createModulesPlugin(options: ModulesPluginOptions = {}) {
  return definePlugin({
    name: 'modules',
    version: '0.1.0',
    kernel: '^0.1.0',
    description: "Runs tenants' marketplace modules in isolated-vm sandboxes: routes, storage, events, jobs, logs",
    config: modulesConfigSchema,
    deps: { tenants: tenantsApiRef },
    provides: [modulesRuntimeRef, moduleDataRef],
    tenantMigrations: moduleTenantMigrations,
    async init(ctx): Promise<ModuleRuntime> {
      // SANDBOX_* were validated with the rest of the config at start; here they become sandbox options.
      const sandbox = options.sandbox ?? sandboxOptionsFromConfig(ctx.config);
      const runtime = new ModuleRuntime(ctx.deps.tenants, sandbox, ctx.metrics, ctx.log);
      await runtime.start();
      ctx.provide(modulesRuntimeRef, runtime);
      ctx.provide(moduleDataRef, new ModuleData(ctx.deps.tenants.data));
      return runtime;
    },
    async routes(app, ctx, runtime) {
      await moduleRoutes(app, runtime, ctx.deps.tenants);
    },
    onReady(_ctx, runtime) {
      runtime.startScheduler();
    },
    async onClose(_ctx, runtime) {
      await runtime.close();
    },
  });
}

export default createModulesPlugin();
