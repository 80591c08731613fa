import type { AgentTool } from '@dogan/runtime';
import type { Tenant, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { LlmProfileService } from '../llm/profile-service.js';
import { AgentErrors } from '../errors.js';
import type { Agent } from '../org/agent.js';
import type { AgentDirectory } from '../org/agent-directory.js';
import type { RunnerAgent, RunnerModels, RunnerOrg } from './runner/ports.js';
import { TaskRunner, type RunnerLimits } from './runner/task-runner.js';
import { ToolRegistry } from './runner/tool-registry.js';
import type { BusinessDays } from './due-date.js';
import { TaskDueIndex } from './task-due-index.js';
import { TaskService } from './task-service.js';
import { TaskWorker } from './task-worker.js';

function runnerAgent(a: Agent): RunnerAgent {
  return {
    id: a.id,
    nameEn: a.name.en,
    nameAr: a.name.ar,
    title: a.title.en,
    department: a.department || null,
    goal: a.goal,
    persona: a.persona,
    status: a.status,
    managerId: a.managerId,
    tools: a.tools,
    llmProfile: a.llmProfile,
  };
}

/** The org chart as the runner reads it; delegation goes down or across (a team one leads), escalation up. */
function runnerOrg(directory: AgentDirectory): RunnerOrg {
  const find = async (tenant: Tenant, id: string): Promise<Agent | null> => {
    try {
      return await directory.get(tenant, id);
    } catch (err) {
      if (AgentErrors.AGENT_NOT_FOUND.is(err)) return null;
      throw err;
    }
  };
  return {
    async agent(tenant, id) {
      const found = await find(tenant, id);
      return found ? runnerAgent(found) : null;
    },
    async canDelegate(tenant, fromId, toId) {
      return (await directory.delegates(tenant, fromId)).includes(toId);
    },
    async areCoworkers(tenant, fromId, toId) {
      const [from, to] = [await find(tenant, fromId), await find(tenant, toId)];
      if (!from || !to || from.id === to.id) return false;
      return (from.teamId !== null && from.teamId === to.teamId) || (from.department !== '' && from.department === to.department);
    },
    async hasDelegates(tenant, fromId) {
      return (await directory.delegates(tenant, fromId)).length > 0;
    },
  };
}

/** The agent's model: its own profile, or the tenant's default. */
function runnerModels(profiles: LlmProfileService): RunnerModels {
  return {
    async forAgent(tenant, agent) {
      const provider = await profiles.providerFor(tenant, agent.llmProfile ?? undefined);
      return {
        chat: (request) => provider.chat({ system: request.system, messages: request.messages, tools: request.tools, ...(request.signal ? { signal: request.signal } : {}) }),
        cost: (usage) => provider.cost(usage),
      };
    },
  };
}

export interface TaskPartsDeps {
  readonly tenants: TenantsApi;
  readonly directory: AgentDirectory;
  readonly profiles: LlmProfileService;
  /** The tenant's module tools, when the modules plugin is loaded. */
  readonly moduleTools: (tenant: Tenant) => Promise<readonly AgentTool[]>;
  /** The KSA plugin's business calendars, when it is loaded. */
  readonly calendar: () => BusinessDays | undefined;
  readonly limits: RunnerLimits;
  readonly pollIntervalMs: number;
  readonly concurrency: number;
  /** How long a claim on a running task holds without renewal (AGENTS_TASK_CLAIM_MS). */
  readonly claimMs: number;
  readonly log: Logger;
}

export interface TaskParts {
  readonly service: TaskService;
  readonly runner: TaskRunner;
  readonly worker: TaskWorker;
  readonly registry: ToolRegistry;
}

/** Builds the task side of the plugin: service, runner, per-node worker, and the tool registry other plugins fill. */
export function createTaskParts(deps: TaskPartsDeps): TaskParts {
  const registry = new ToolRegistry(deps.moduleTools);
  const index = new TaskDueIndex(deps.tenants.data.controlPlane);
  // The worker is made after the service and runner, which tell it about due work through this.
  let worker: TaskWorker | undefined;
  const due = async (tenant: Tenant) => {
    await worker?.reindex(tenant);
    worker?.kick();
  };
  const service = new TaskService({
    tenants: deps.tenants,
    agents: async (tenant) => (await deps.directory.list(tenant)).map((a) => ({ id: a.id, status: a.status, skills: a.skills })),
    due,
    defaults: { maxSteps: deps.limits.maxSteps },
    calendar: deps.calendar,
  });
  const runner = new TaskRunner({
    tenants: deps.tenants,
    org: runnerOrg(deps.directory),
    models: runnerModels(deps.profiles),
    tools: registry,
    limits: deps.limits,
    ended: (tenant, task) => service.ended(tenant, task),
    due,
    claimMs: deps.claimMs,
    log: deps.log,
  });
  worker = new TaskWorker({ tenants: deps.tenants, runner, due: index, pollIntervalMs: deps.pollIntervalMs, concurrency: deps.concurrency, log: deps.log });
  return { service, runner, worker, registry };
}
