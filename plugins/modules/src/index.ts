import { createServiceRef, definePlugin } from '@dogan/runtime';
import { tenantsApiRef } from '@dogan/tenants';
import { SANDBOX_VARIABLES, sandboxOptionsFromEnv, type SandboxOptionsInput } from '@dogan/runtime/sandbox';
import { ModuleRuntime } from './module-runtime.js';
import { moduleRoutes } from './routes.js';
import { moduleTenantMigrations } from './storage/migrations.js';

export { ModuleRuntime, resolveGrants, type AnsweredRoute, type ModuleRequest } from './module-runtime.js';
export { REDACTED, secretFields } from './redaction.js';
export { ModuleErrors } from './errors.js';
export { loadModuleFromDirectory, moduleFromSource, type LoadedModule } from './loaded-module.js';
export type { ModuleInstall } from './installs.js';
export type { ModuleLogLine } from './module-log.js';

/** The modules runtime, for the marketplace plugin (install, upgrade, uninstall) and the SDK harness. */
export const modulesRuntimeRef = createServiceRef<ModuleRuntime>({ id: 'modules.runtime' });

export interface ModulesPluginOptions {
  /** Sandbox options; default: the SANDBOX_* config variables over the built-in defaults. */
  readonly sandbox?: SandboxOptionsInput;
}

/** Builds the plugin; tests pass sandbox options (hosts, limits, a network policy). */
export function createModulesPlugin(options: ModulesPluginOptions = {}) {
  let runtime: ModuleRuntime | undefined;
  return definePlugin({
    name: 'modules',
    version: '0.1.0',
    kernel: '^0.1.0',
    description: "Runs tenants' marketplace modules in isolated-vm sandboxes: routes, storage, events, jobs, logs",
    dependencies: { tenants: '^0.1.0' },
    provides: [modulesRuntimeRef],
    consumes: [tenantsApiRef],
    tenantMigrations: moduleTenantMigrations,
    async init(ctx) {
      // SANDBOX_* are validated with the rest of the config at start; here they become sandbox options.
      const values = ctx.config as unknown as Record<string, number | undefined>;
      const sandbox = options.sandbox ?? sandboxOptionsFromEnv(Object.fromEntries(SANDBOX_VARIABLES.map((n) => [n, values[n]?.toString()])));
      runtime = new ModuleRuntime(ctx.services.get(tenantsApiRef), sandbox, ctx.metrics, ctx.log);
      await runtime.start();
      ctx.provide(modulesRuntimeRef, runtime);
    },
    async routes(app, ctx) {
      await moduleRoutes(app, runtime!, ctx.services.get(tenantsApiRef));
    },
    onReady() {
      runtime!.startScheduler();
    },
    async onClose() {
      await runtime?.close();
    },
  });
}

export default createModulesPlugin();
