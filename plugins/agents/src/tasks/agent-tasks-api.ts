import { createServiceRef } from '@dogan/runtime';
import type { TenantsApi } from '@dogan/tenants';
import { TaskErrors } from './task-errors.js';
import type { NewTaskInput, TaskService } from './task-service.js';
import type { CreatorKind, TaskStatus } from './task-store.js';

/** A task as other plugins see it: where it stands and how it ended. */
export interface AgentTaskView {
  readonly id: string;
  readonly status: TaskStatus;
  readonly agentId: string | null;
  readonly result: unknown;
  readonly failure: { readonly code: string | null; readonly reason: string | null } | null;
  /** completed, failed, cancelled or rejected: it will not change again. */
  readonly finished: boolean;
}

/** Tasks for other plugins (workflows give agents tasks and wait for them). */
export interface AgentTasksApi {
  /** Creates a task; the same `idempotencyKey` again returns the first task (a caller resumed after a crash). */
  create(tenantId: string, input: NewTaskInput, creator: { kind: CreatorKind; id: string | null }, idempotencyKey?: string): Promise<AgentTaskView>;
  get(tenantId: string, taskId: string): Promise<AgentTaskView | undefined>;
}

export const agentTasksRef = createServiceRef<AgentTasksApi>({ id: 'agents.tasks' });

const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'rejected']);

export function agentTasksApi(tenants: TenantsApi, service: TaskService): AgentTasksApi {
  const view = (t: { id: string; status: TaskStatus; agentId: string | null; result: unknown; failureCode: string | null; failureReason: string | null }): AgentTaskView => ({
    id: t.id,
    status: t.status,
    agentId: t.agentId,
    result: t.result,
    failure: t.failureCode || t.failureReason ? { code: t.failureCode, reason: t.failureReason } : null,
    finished: FINISHED.has(t.status),
  });
  return {
    async create(tenantId, input, creator, idempotencyKey) {
      return view(await service.create(await tenants.tenants.get(tenantId), input, creator, idempotencyKey));
    },
    async get(tenantId, taskId) {
      try {
        return view(await service.get(await tenants.tenants.get(tenantId), taskId));
      } catch (err) {
        if (TaskErrors.AGENT_TASK_NOT_FOUND.is(err)) return undefined;
        throw err;
      }
    },
  };
}
