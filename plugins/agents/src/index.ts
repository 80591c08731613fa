import { agentToolRegistryRef, createSecretBox, definePlugin, type Config, type ConfigValues } from '@dogan/runtime';
import { ksaServiceRef } from '@dogan/plugin-ksa';
import { moduleAgentTools, modulesRuntimeRef } from '@dogan/plugin-modules';
import { eventOutboxRef, planLimitsRef, tenantsApiRef, usageCountersRef } from '@dogan/tenants';
import { llmConfigSchema, llmMigrations, llmProfileRoutes, LlmProfileService } from './llm/index.js';
import { agentTasksApi, agentTasksRef } from './tasks/agent-tasks-api.js';
import { taskConfigSchema } from './tasks/task-config.js';
import { taskControlPlaneMigrations, taskMigrations } from './tasks/task-migrations.js';
import { createTaskParts, type TaskParts } from './tasks/task-parts.js';
import { taskRoutes } from './tasks/task-routes.js';
import { agentUsageCounters } from './tasks/task-usage.js';
import { agentRoutes } from './http/agent-routes.js';
import { teamRoutes } from './http/team-routes.js';
import { agentDirectory, agentsDirectoryRef, type AgentDirectory } from './org/agent-directory.js';
import type { OrgDeps } from './org/org-change.js';
import { OrgService } from './org/org-service.js';
import { TeamService } from './org/team-service.js';
import { orgMigrations } from './store/org-migrations.js';

export { AgentErrors } from './errors.js';
export { agentTasksRef, type AgentTaskView, type AgentTasksApi } from './tasks/agent-tasks-api.js';
export type { NewTaskInput } from './tasks/task-service.js';
export { agentsDirectoryRef, type AgentDirectory } from './org/agent-directory.js';
export { AGENT_STATUSES, type Agent, type AgentFilter, type AgentStatus, type Bilingual, type Team, type WorkingHours, type WorkingWindow } from './org/agent.js';
export { AGENT_EVENT_TYPES, type AgentEventPayload, type AgentEventType } from './events.js';
export { MAX_ORG_DEPTH, OrgChart, canDelegate, findCycle, maxDepth, type OrgLink, type OrgTreeNode } from './org/org-chart.js';
export { defaultOrg } from './org/default-agents.js';
export { MAX_AGENTS_PER_TENANT } from './org/org-service.js';
export { MAX_TEAMS_PER_TENANT } from './org/team-service.js';
export type { OrgService } from './org/org-service.js';
export type { TeamService } from './org/team-service.js';

/** The agents plugin's parts: the org chart, the LLM profiles, and tasks with their runner. */
interface AgentsPlugin {
  readonly org: OrgService;
  readonly teams: TeamService;
  readonly directory: AgentDirectory;
  readonly llm: LlmProfileService;
  readonly tasks: TaskParts;
}

const configSchema = { ...llmConfigSchema, ...taskConfigSchema };
type AgentsConfig = Config & ConfigValues<typeof configSchema>;

export default definePlugin({
  name: 'agents',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Employee agents: named agents with roles, departments, teams and managers, who take tasks, delegate along the org chart and work with tools',
  config: configSchema,
  deps: { tenants: tenantsApiRef },
  // Billing counts agents against the plan (and provides both refs); agent events leave through the
  // outbox; modules offer their tools to agents: each when loaded.
  optionalDeps: { limits: planLimitsRef, usage: usageCountersRef, outbox: eventOutboxRef, modules: modulesRuntimeRef, ksa: ksaServiceRef },
  provides: [agentsDirectoryRef, agentToolRegistryRef, agentTasksRef],
  // The org chart, the LLM profiles, the tasks with their traces.
  tenantMigrations: [...orgMigrations, ...llmMigrations, ...taskMigrations],
  controlPlaneMigrations: taskControlPlaneMigrations,

  init(ctx): AgentsPlugin {
    const orgDeps: OrgDeps = {
      data: ctx.deps.tenants.data,
      limits: () => ctx.deps.limits ?? ctx.services.getOptional(planLimitsRef),
      outbox: () => ctx.deps.outbox ?? ctx.services.getOptional(eventOutboxRef),
    };
    const org = new OrgService(orgDeps);
    const teams = new TeamService(orgDeps);
    const directory = agentDirectory(org);
    ctx.provide(agentsDirectoryRef, directory);
    // Usage reports and plan-limit checks count the tenant's agents here.
    ctx.deps.usage?.register({ metric: 'agents', count: (tenant) => org.count(tenant) });
    // This month's agent runs, tokens and model cost, in the usage report next to the plan's counters.
    for (const counter of agentUsageCounters(ctx.deps.tenants)) ctx.deps.usage?.register(counter);
    const config = ctx.config as AgentsConfig;
    const llm = new LlmProfileService({ tenants: ctx.deps.tenants, box: createSecretBox(config), config, log: ctx.log });
    const modules = ctx.deps.modules;
    const tasks = createTaskParts({
      tenants: ctx.deps.tenants,
      directory,
      profiles: llm,
      // A tenant's module tools: those of its enabled modules that it let offer tools to agents.
      moduleTools: async (tenant) => (modules ? moduleAgentTools(modules, tenant.id) : []),
      // Due dates in business days follow the tenant's work week and holidays when the KSA plugin is loaded.
      calendar: () => ctx.deps.ksa ?? ctx.services.getOptional(ksaServiceRef),
      limits: {
        maxSteps: config.AGENTS_MAX_STEPS,
        maxDelegationDepth: config.AGENTS_MAX_DELEGATION_DEPTH,
        taskTimeoutMs: config.AGENTS_TASK_TIMEOUT_MS,
        tenantDailyCost: config.AGENTS_TENANT_DAILY_COST_HALALAS,
        repeatLimit: config.AGENTS_REPEAT_LIMIT,
      },
      pollIntervalMs: config.AGENTS_POLL_INTERVAL_MS,
      concurrency: config.AGENTS_CONCURRENCY,
      claimMs: config.AGENTS_TASK_CLAIM_MS,
      log: ctx.log,
    });
    // Plugins with tools (ERPNext...) register them here in their own init, which runs after this one.
    ctx.provide(agentToolRegistryRef, tasks.registry);
    // Workflows give agents tasks and wait for them through this.
    ctx.provide(agentTasksRef, agentTasksApi(ctx.deps.tenants, tasks.service));
    return { org, teams, directory, llm, tasks };
  },

  async routes(app, _ctx, plugin) {
    await agentRoutes(app, plugin.org);
    await teamRoutes(app, plugin.teams);
    await llmProfileRoutes(app, plugin.llm);
    await taskRoutes(app, plugin.tasks.service);
  },

  async onReady(_ctx, plugin) {
    plugin.tasks.worker.start();
  },

  async onClose(_ctx, plugin) {
    await plugin.tasks.worker.close();
    await plugin.llm.close();
  },

  async onTenantProvisioned(tenant, ctx, plugin) {
    // The plan's default agents and teams, as many as its agent limit allows.
    const created = await plugin.org.seedDefaults(await ctx.deps.tenants.tenants.get(tenant.id));
    ctx.log.debug({ tenantId: tenant.id, agents: created }, 'default agents created');
  },
});
