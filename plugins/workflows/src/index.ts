import { agentToolRegistryRef, definePlugin, eventBusRef, type Config, type ConfigValues, type EventSubscription } from '@dogan/runtime';
import { agentTasksRef } from '@dogan/plugin-agents';
import { emailApiRef } from '@dogan/plugin-email';
import { erpnextApiRef } from '@dogan/plugin-erpnext';
import { ksaServiceRef } from '@dogan/plugin-ksa';
import { modulesRuntimeRef } from '@dogan/plugin-modules';
import { auditTrailRef, eventOutboxRef, planLimitsRef, TenantDueIndex, tenantsApiRef, usageCountersRef, type Tenant } from '@dogan/tenants';
import { workflowsAgentTool } from './agent-tool.js';
import { workflowsConfigSchema } from './config.js';
import { DEFAULT_WORKFLOWS } from './defaults.js';
import { RunEngine } from './engine/run-engine.js';
import { RunWorker } from './engine/run-worker.js';
import { webhookRoute } from './http/webhook-route.js';
import { workflowRoutes } from './http/workflow-routes.js';
import { actionExecutors } from './steps/index.js';
import { workflowControlPlaneMigrations, workflowMigrations } from './store/migrations.js';
import { RunStore } from './store/run-store.js';
import { WorkflowStore } from './store/workflow-store.js';
import { workflowsConsumer } from './triggers/event-trigger.js';
import { ScheduleIndex } from './triggers/schedule-index.js';
import { ScheduleTrigger } from './triggers/schedule-trigger.js';
import { WorkflowService } from './workflow-service.js';

export { WorkflowErrors } from './errors.js';
export { WORKFLOW_EVENT_TYPES } from './engine/run-engine.js';
export { DEFAULT_WORKFLOWS } from './defaults.js';
export { MAX_WORKFLOWS_PER_TENANT, type WorkflowService } from './workflow-service.js';
export type * from './definition/types.js';

type WorkflowsConfig = Config & ConfigValues<typeof workflowsConfigSchema>;

/** The plugin's parts on one running node. */
interface WorkflowsPlugin {
  readonly service: WorkflowService;
  readonly engine: RunEngine;
  readonly worker: RunWorker;
  readonly schedules: ScheduleTrigger;
  subscription?: EventSubscription;
}

export interface WorkflowsPluginOptions {
  /** The clock schedules are read by (tests start a node at 09:00 Riyadh time); default Date.now. */
  readonly now?: () => number;
}

/** The first instant of the current UTC month: runs are reported per calendar month. */
function monthStart(now = new Date()): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

export function createWorkflowsPlugin(options: WorkflowsPluginOptions = {}) {
  const now = options.now ?? Date.now;
  return definePlugin({
    name: 'workflows',
    version: '0.1.0',
    kernel: '^0.1.0',
    description: 'Durable tenant workflows: started by events, schedules, webhooks or by hand; steps that call modules, agents, ERPNext, email and HTTP, with retries, waits, approvals and compensation',
    config: workflowsConfigSchema,
    deps: { tenants: tenantsApiRef },
    // Each capability a step uses is another plugin's, reached through its service when it is loaded.
    optionalDeps: {
      limits: planLimitsRef,
      usage: usageCountersRef,
      audit: auditTrailRef,
      outbox: eventOutboxRef,
      bus: eventBusRef,
      modules: modulesRuntimeRef,
      agentTasks: agentTasksRef,
      agentTools: agentToolRegistryRef,
      erpnext: erpnextApiRef,
      email: emailApiRef,
      ksa: ksaServiceRef,
    },
    tenantMigrations: workflowMigrations,
    controlPlaneMigrations: workflowControlPlaneMigrations,

    init(ctx): WorkflowsPlugin {
      const config = ctx.config as WorkflowsConfig;
      const tenants = ctx.deps.tenants;
      const optional = <T>(value: T | undefined, get: () => T | undefined) => () => value ?? get();
      const due = new TenantDueIndex(tenants.data.controlPlane, 'workflow_due');
      // The worker is made after the engine and service, which tell it about due runs through this.
      let worker: RunWorker | undefined;
      const markDue = async (tenant: Tenant, at: number) => {
        await due.markDue(tenant.id, at);
        worker?.kick();
      };
      const scheduleIndex = new ScheduleIndex(tenants.data.controlPlane, now);
      const service = new WorkflowService({ tenants, limits: optional(ctx.deps.limits, () => ctx.services.getOptional(planLimitsRef)), schedules: scheduleIndex, due: markDue });
      const engine = new RunEngine({
        tenants,
        executors: actionExecutors({
          modules: optional(ctx.deps.modules, () => ctx.services.getOptional(modulesRuntimeRef)),
          agentTasks: optional(ctx.deps.agentTasks, () => ctx.services.getOptional(agentTasksRef)),
          erpnext: optional(ctx.deps.erpnext, () => ctx.services.getOptional(erpnextApiRef)),
          email: optional(ctx.deps.email, () => ctx.services.getOptional(emailApiRef)),
          allowPrivateNetworks: config.WORKFLOWS_HTTP_ALLOW_PRIVATE_NETWORKS,
          agentPollMs: config.WORKFLOWS_AGENT_POLL_MS,
        }),
        calendar: optional(ctx.deps.ksa, () => ctx.services.getOptional(ksaServiceRef)),
        outbox: optional(ctx.deps.outbox, () => ctx.services.getOptional(eventOutboxRef)),
        audit: optional(ctx.deps.audit, () => ctx.services.getOptional(auditTrailRef)),
        claimMs: config.WORKFLOWS_RUN_CLAIM_MS,
        log: ctx.log,
        due: async (tenant) => {
          const next = await RunStore.earliestDue(await tenants.data.of(tenant));
          if (next !== null) await due.markDue(tenant.id, next);
        },
      });
      worker = new RunWorker({ tenants, engine, due, pollIntervalMs: config.WORKFLOWS_POLL_INTERVAL_MS, concurrency: config.WORKFLOWS_CONCURRENCY, log: ctx.log });
      const schedules = new ScheduleTrigger({ tenants, service, index: scheduleIndex, tickMs: config.WORKFLOWS_SCHEDULE_TICK_MS, now, log: ctx.log });
      // Plans limit workflows; the usage report shows how many a tenant has and how many runs it started this month.
      ctx.deps.usage?.register({ metric: 'workflows', count: (tenant) => service.count(tenant) });
      ctx.deps.usage?.register({ metric: 'workflowRunsThisMonth', count: (tenant) => service.runsSince(tenant, monthStart()) });
      ctx.deps.agentTools?.register('workflows', [workflowsAgentTool(tenants, service)]);
      return { service, engine, worker, schedules };
    },

    async routes(app, ctx, plugin) {
      await workflowRoutes(app, plugin.service);
      await webhookRoute(app, { tenants: ctx.deps.tenants, service: plugin.service, maxBytes: (ctx.config as WorkflowsConfig).WORKFLOWS_WEBHOOK_MAX_BYTES });
    },

    async onReady(ctx, plugin) {
      const bus = ctx.deps.bus ?? ctx.services.getOptional(eventBusRef);
      if (bus) plugin.subscription = await bus.subscribe(workflowsConsumer({ tenants: ctx.deps.tenants, service: plugin.service }));
      plugin.worker.start();
      plugin.schedules.start();
    },

    async onClose(_ctx, plugin) {
      await plugin.subscription?.close().catch(() => undefined);
      await plugin.schedules.close();
      await plugin.worker.close();
    },

    async onTenantProvisioned(tenant, ctx, plugin) {
      if (!(ctx.config as WorkflowsConfig).WORKFLOWS_DEFAULTS) return;
      // The defaults send email: without the email plugin they would only fail.
      if (!(ctx.deps.email ?? ctx.services.getOptional(emailApiRef))) return;
      const record = await ctx.deps.tenants.tenants.get(tenant.id);
      const db = await ctx.deps.tenants.data.of(record);
      for (const { template, definition } of DEFAULT_WORKFLOWS) {
        if (await WorkflowStore.hasTemplate(db, template)) continue;
        try {
          await plugin.service.create(record, definition, { template });
        } catch (err) {
          // A plan without room for it (PLAN_LIMIT_REACHED) gets fewer defaults, not a failed provisioning.
          if ((err as { code?: string }).code !== 'PLAN_LIMIT_REACHED') throw err;
          break;
        }
      }
    },
  });
}

export default createWorkflowsPlugin();
