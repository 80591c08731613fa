import { createHash, randomUUID } from 'node:crypto';
import type { Tenant, TenantsApi } from '@dogan/tenants';
import { ApprovalStore, type ApprovalRecord } from './approval-store.js';
import { businessDueAt, type BusinessDays } from './due-date.js';
import { StepStore, type StepRecord } from './step-store.js';
import { TaskErrors } from './task-errors.js';
import { FINAL_STATUSES, TaskStore, type CreatorKind, type Priority, type TaskQuery, type TaskRecord } from './task-store.js';

/** What the service needs to know of agents to assign work. */
export interface AssignableAgent {
  readonly id: string;
  readonly status: string;
  readonly skills: readonly string[];
}

export interface TaskServiceDeps {
  readonly tenants: TenantsApi;
  /** The tenant's agents with their skills and status. */
  readonly agents: (tenant: Tenant) => Promise<AssignableAgent[]>;
  /** A task changed in a way that may make work due (created, approved, a child ended). */
  readonly due: (tenant: Tenant) => Promise<void>;
  readonly defaults: { readonly maxSteps: number };
  /** The KSA plugin's business calendars, when it is loaded. */
  readonly calendar: () => BusinessDays | undefined;
}

export interface NewTaskInput {
  readonly title: string;
  readonly description?: string;
  readonly type?: string;
  readonly input?: Record<string, unknown>;
  readonly priority?: Priority;
  /** The agent to do it; without it, the best available agent with `skills`. */
  readonly agentId?: string;
  readonly skills?: readonly string[];
  readonly mode?: 'llm' | 'rules';
  readonly dueAt?: string;
  /** Due at the end of the Nth business day from today, by the tenant's calendar (instead of dueAt). */
  readonly dueInBusinessDays?: number;
  readonly maxSteps?: number;
  readonly budgetTokens?: number;
  /** Halalas. */
  readonly budgetCost?: number;
}

/** A UUID-shaped id derived from an idempotency key: the same key names the same task. */
function idFromKey(key: string): string {
  const h = createHash('sha256').update(`agent-task|${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Lower is better: an available agent before a busy or away one; offline agents take no work. */
const STATUS_RANK: Record<string, number> = { available: 0, busy: 1, away: 2 };

/**
 * Best agent for a task: every required skill, not offline, then by status and by how many open
 * tasks each holds now; ties go to the agent with more matching skills, then the id (stable).
 */
export function pickAgent(agents: readonly AssignableAgent[], skills: readonly string[], load: ReadonlyMap<string, number>): AssignableAgent | undefined {
  const wanted = skills.map((s) => s.toLowerCase());
  return agents
    .filter((a) => STATUS_RANK[a.status] !== undefined && wanted.every((s) => a.skills.includes(s)))
    .sort((a, b) => STATUS_RANK[a.status]! - STATUS_RANK[b.status]! || (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || b.skills.length - a.skills.length || a.id.localeCompare(b.id))[0];
}

/** Tasks from API clients, workflows, events and agents: creation, assignment, reading, cancelling and approvals. */
export class TaskService {
  constructor(private readonly deps: TaskServiceDeps) {}

  private db(tenant: Tenant) {
    return this.deps.tenants.data.of(tenant);
  }

  /**
   * Creates a task. With `idempotencyKey` (a workflow step's attempt), the task's id is derived from the
   * key, so a caller that crashed after creating it and asks again gets the same task, not a second one.
   */
  async create(tenant: Tenant, input: NewTaskInput, creator: { kind: CreatorKind; id: string | null }, idempotencyKey?: string): Promise<TaskRecord> {
    const db = await this.db(tenant);
    const keyedId = idempotencyKey === undefined ? undefined : idFromKey(idempotencyKey);
    if (keyedId) {
      const earlier = await TaskStore.get(db, keyedId);
      if (earlier) return earlier;
    }
    const agents = await this.deps.agents(tenant);
    let agentId: string;
    if (input.agentId) {
      if (!agents.some((a) => a.id === input.agentId)) throw TaskErrors.AGENT_TASK_AGENT_UNKNOWN(input.agentId);
      agentId = input.agentId;
    } else {
      const chosen = pickAgent(agents, input.skills ?? [], await TaskStore.openCounts(db));
      if (!chosen) throw TaskErrors.AGENT_TASK_NO_AGENT(JSON.stringify(input.skills ?? []));
      agentId = chosen.id;
    }
    if (input.mode === 'rules' && typeof input.input?.tool !== 'string') throw TaskErrors.AGENT_TASK_INVALID.with({ field: 'input.tool' }, 'in rules mode names its tool in input.tool (and its arguments in input.arguments)');
    if (input.dueAt !== undefined && input.dueInBusinessDays !== undefined) throw TaskErrors.AGENT_TASK_INVALID.with({ field: 'dueAt' }, 'takes dueAt or dueInBusinessDays, not both');
    const dueAt =
      input.dueInBusinessDays !== undefined ? await businessDueAt(tenant, input.dueInBusinessDays, this.deps.calendar()) : input.dueAt === undefined ? null : Date.parse(input.dueAt);
    if (dueAt !== null && !Number.isFinite(dueAt)) throw TaskErrors.AGENT_TASK_INVALID.with({ field: 'dueAt' }, 'dueAt is not an ISO 8601 date and time');
    const id = keyedId ?? randomUUID();
    const insert = TaskStore.insert(
      db,
      {
        id,
        title: input.title,
        description: input.description ?? '',
        taskType: input.type ?? null,
        input: input.input ?? {},
        priority: input.priority ?? 'normal',
        agentId,
        mode: input.mode ?? 'llm',
        createdByKind: creator.kind,
        createdById: creator.id,
        parentTaskId: null,
        parentStep: null,
        depth: 0,
        dueAt,
        maxSteps: input.maxSteps ?? this.deps.defaults.maxSteps,
        budgetTokens: input.budgetTokens ?? null,
        budgetCost: input.budgetCost ?? null,
      },
      'pending',
      Date.now(),
    );
    try {
      await insert;
    } catch (err) {
      // The same key from two callers at once: the primary key lets one in; the other gets that task.
      const raced = keyedId ? await TaskStore.get(db, keyedId) : undefined;
      if (!raced) throw err;
      return raced;
    }
    await this.deps.due(tenant);
    return (await TaskStore.get(db, id))!;
  }

  async get(tenant: Tenant, id: string): Promise<TaskRecord> {
    const task = await TaskStore.get(await this.db(tenant), id);
    if (!task) throw TaskErrors.AGENT_TASK_NOT_FOUND(id);
    return task;
  }

  async list(tenant: Tenant, query: TaskQuery): Promise<{ items: TaskRecord[]; total: number }> {
    return TaskStore.list(await this.db(tenant), query);
  }

  /** Everything that happened: steps (model answers, tool calls with results, tokens, cost, timings, agent), approvals and subtasks. */
  async trace(tenant: Tenant, id: string): Promise<{ task: TaskRecord; steps: StepRecord[]; approvals: ApprovalRecord[]; subtasks: TaskRecord[] }> {
    const task = await this.get(tenant, id);
    const db = await this.db(tenant);
    return { task, steps: await StepStore.list(db, id), approvals: await ApprovalStore.forTask(db, id), subtasks: await TaskStore.children(db, id) };
  }

  /** Cancels a task and its open subtasks; a finished task stays as it ended. */
  async cancel(tenant: Tenant, id: string, by: string): Promise<TaskRecord> {
    const task = await this.get(tenant, id);
    if (FINAL_STATUSES.has(task.status)) throw TaskErrors.AGENT_TASK_FINISHED(id, task.status);
    const db = await this.db(tenant);
    const cancelTree = async (taskId: string): Promise<void> => {
      await TaskStore.finish(db, taskId, 'cancelled', { code: 'CANCELLED', reason: `cancelled by ${by}` }, Date.now());
      for (const child of await TaskStore.children(db, taskId)) if (!FINAL_STATUSES.has(child.status)) await cancelTree(child.id);
    };
    await cancelTree(id);
    await this.deps.due(tenant);
    return this.get(tenant, id);
  }

  /** A person's decision on a risky tool call; the task resumes at once (approved: the call runs; rejected: the task ends as rejected). */
  async decide(tenant: Tenant, taskId: string, approvalId: string, decision: 'approved' | 'rejected', by: string, note: string | null): Promise<TaskRecord> {
    const task = await this.get(tenant, taskId);
    const db = await this.db(tenant);
    const approval = (await ApprovalStore.forTask(db, taskId)).find((a) => a.id === approvalId);
    if (!approval) throw TaskErrors.AGENT_APPROVAL_NOT_FOUND(approvalId, taskId);
    if (approval.status !== 'pending') throw TaskErrors.AGENT_APPROVAL_DECIDED(approvalId, approval.status);
    if (FINAL_STATUSES.has(task.status)) throw TaskErrors.AGENT_TASK_FINISHED(taskId, task.status);
    if (!(await ApprovalStore.decide(db, approvalId, decision, by, note, Date.now()))) throw TaskErrors.AGENT_APPROVAL_DECIDED(approvalId, 'decided');
    // Due again now: the runner finds the decision and goes on (or ends the task as rejected).
    await db.run("UPDATE agent_tasks SET status = 'in_progress', next_run_at = ?, updated_at = ? WHERE id = ? AND status = 'awaiting_approval'", [Date.now(), Date.now(), taskId]);
    await this.deps.due(tenant);
    return this.get(tenant, taskId);
  }

  /** A task ended: its parent, waiting for it, runs again. */
  async ended(tenant: Tenant, task: TaskRecord): Promise<void> {
    if (!task.parentTaskId) return;
    const db = await this.db(tenant);
    await db.run("UPDATE agent_tasks SET next_run_at = ?, updated_at = ? WHERE id = ? AND status NOT IN ('completed', 'failed', 'cancelled', 'rejected')", [Date.now(), Date.now(), task.parentTaskId]);
    await this.deps.due(tenant);
  }
}
