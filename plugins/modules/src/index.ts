import { createServiceRef, definePlugin, eventBusRef, type EventSubscription } from '@dogan/runtime';
import { clusterSchedulerRef, eventOutboxRef, tenantsApiRef } from '@dogan/tenants';
import type { SandboxOptionsInput } from '@dogan/runtime/sandbox';
import { moduleJobsConfigSchema, modulesConfigSchema, sandboxOptionsFromConfig } from './config.js';
import { ModuleCronJobs } from './cron-jobs.js';
import { moduleSubscriptionsConsumer } from './events.js';
import { ModuleRuntime } from './module-runtime.js';
import { moduleRoutes } from './routes.js';
import { moduleTenantMigrations } from './storage/migrations.js';
import { ModuleData, moduleDataRef } from './storage/module-data.js';

export {
  MAX_IDEMPOTENCY_KEY_LENGTH,
  ModuleRuntime,
  resolveGrants,
  type AnsweredRoute,
  type CapabilityCall,
  type CapabilityProvider,
  type ModuleRequest,
  type ModuleToolInfo,
  type ToolCallContext,
} from './module-runtime.js';
export { AGENT_TOOL_NAME, moduleAgentTools, moduleToolName, parseModuleToolName, type ModuleAgentTool } from './agent-tools.js';
export { REDACTED, secretFields } from './redaction.js';
export { ModuleErrors } from './errors.js';
export { loadModuleFromDirectory, moduleFromSource, type LoadedModule } from './loaded-module.js';
export type { ModuleInstall } from './installs.js';
export type { ModuleLogLine } from './module-log.js';
export { ModuleData, moduleDataRef, type ModuleDataSnapshot } from './storage/module-data.js';
export { MODULE_SUBSCRIPTIONS_CONSUMER, type ModuleEmittedPayload } from './events.js';
export { MODULE_CRON_KIND, moduleJobName } from './cron-jobs.js';

/** The modules runtime, for the marketplace plugin (install, upgrade, uninstall) and the SDK harness. */
export const modulesRuntimeRef = createServiceRef<ModuleRuntime>({ id: 'modules.runtime' });

export interface ModulesPluginOptions {
  /** Sandbox options; default: the SANDBOX_* config variables over the built-in defaults. */
  readonly sandbox?: SandboxOptionsInput;
}

/** Builds the plugin; tests pass sandbox options (hosts, limits, a network policy). */
export function createModulesPlugin(options: ModulesPluginOptions = {}) {
  // The bus consumer of each running instance (a definition may serve several kernels in one process: tests).
  const subscriptions = new WeakMap<ModuleRuntime, EventSubscription>();
  const cronJobs = new WeakMap<ModuleRuntime, ModuleCronJobs>();
  return definePlugin({
    name: 'modules',
    version: '0.1.0',
    kernel: '^0.1.0',
    description: "Runs tenants' marketplace modules in isolated-vm sandboxes: routes, storage, events, jobs, logs",
    config: { ...modulesConfigSchema, ...moduleJobsConfigSchema },
    deps: { tenants: tenantsApiRef, scheduler: clusterSchedulerRef },
    // With the events plugin, module events and platform events reach subscribing modules through its bus.
    optionalDeps: { outbox: eventOutboxRef, bus: eventBusRef },
    provides: [modulesRuntimeRef, moduleDataRef],
    tenantMigrations: moduleTenantMigrations,
    async init(ctx): Promise<ModuleRuntime> {
      // SANDBOX_* were validated with the rest of the config at start; here they become sandbox options.
      const sandbox = options.sandbox ?? sandboxOptionsFromConfig(ctx.config);
      // No sandbox host starts here: each starts on the first call for one of its tenants.
      const runtime = new ModuleRuntime(ctx.deps.tenants, sandbox, ctx.metrics, ctx.log);
      ctx.provide(modulesRuntimeRef, runtime);
      ctx.provide(moduleDataRef, new ModuleData(ctx.deps.tenants.data));
      return runtime;
    },
    async routes(app, ctx, runtime) {
      await moduleRoutes(app, runtime, ctx.deps.tenants);
    },
    async onReady(ctx, runtime) {
      const bus = ctx.services.getOptional(eventBusRef);
      const outbox = ctx.services.getOptional(eventOutboxRef);
      // Without a bus, a module's events go straight to this node's subscribers, as in the embedded default before it.
      if (bus && outbox) {
        subscriptions.set(runtime, await bus.subscribe(moduleSubscriptionsConsumer((event) => runtime.deliver(event))));
        runtime.publishThrough(outbox);
      }
      // Each job runs once per due time across the cluster, on whichever node claims it.
      const cron = new ModuleCronJobs(runtime, ctx.deps.scheduler, ctx.config.MODULE_CRON_MINUTE_MS, ctx.log);
      cronJobs.set(runtime, cron);
      cron.start();
    },
    async onClose(_ctx, runtime) {
      // The bus may have closed first (its plugin closes before the plugins it loaded after).
      await subscriptions.get(runtime)?.close().catch(() => undefined);
      cronJobs.get(runtime)?.stop();
      await runtime.close();
    },
  });
}

export default createModulesPlugin();
