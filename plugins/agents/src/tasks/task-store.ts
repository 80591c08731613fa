import type { SqlSession } from '@dogan/tenants';

export const TASK_STATUSES = ['pending', 'accepted', 'in_progress', 'awaiting_approval', 'completed', 'failed', 'cancelled', 'rejected'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** States a task never leaves. */
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled', 'rejected']);
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export type CreatorKind = 'api' | 'workflow' | 'event' | 'agent';

export interface TaskRecord {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly taskType: string | null;
  readonly input: Record<string, unknown>;
  readonly priority: Priority;
  readonly status: TaskStatus;
  readonly agentId: string | null;
  /** `llm`: the agent's model decides; `rules`: the task names its tool (no model needed). */
  readonly mode: 'llm' | 'rules';
  readonly createdByKind: CreatorKind;
  readonly createdById: string | null;
  readonly parentTaskId: string | null;
  /** The parent's step waiting for this task's result. */
  readonly parentStep: number | null;
  readonly depth: number;
  readonly dueAt: number | null;
  readonly result: unknown;
  readonly failureCode: string | null;
  readonly failureReason: string | null;
  readonly maxSteps: number;
  readonly budgetTokens: number | null;
  /** Halalas. */
  readonly budgetCost: number | null;
  readonly usedTokens: number;
  readonly usedCost: number;
  readonly steps: number;
  readonly nextRunAt: number | null;
  readonly claimToken: string | null;
  readonly claimUntil: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

function fromRow(r: Row): TaskRecord {
  return {
    id: String(r.id),
    title: String(r.title),
    description: String(r.description),
    taskType: text(r.task_type),
    input: JSON.parse(String(r.input)) as Record<string, unknown>,
    priority: String(r.priority) as Priority,
    status: String(r.status) as TaskStatus,
    agentId: text(r.agent_id),
    mode: String(r.mode) as 'llm' | 'rules',
    createdByKind: String(r.created_by_kind) as CreatorKind,
    createdById: text(r.created_by_id),
    parentTaskId: text(r.parent_task_id),
    parentStep: num(r.parent_step),
    depth: Number(r.depth),
    dueAt: num(r.due_at),
    result: r.result === null || r.result === undefined ? null : (JSON.parse(String(r.result)) as unknown),
    failureCode: text(r.failure_code),
    failureReason: text(r.failure_reason),
    maxSteps: Number(r.max_steps),
    budgetTokens: num(r.budget_tokens),
    budgetCost: num(r.budget_cost),
    usedTokens: Number(r.used_tokens),
    usedCost: Number(r.used_cost),
    steps: Number(r.steps),
    nextRunAt: num(r.next_run_at),
    claimToken: text(r.claim_token),
    claimUntil: num(r.claim_until),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export type NewTask = Pick<
  TaskRecord,
  'id' | 'title' | 'description' | 'taskType' | 'input' | 'priority' | 'agentId' | 'mode' | 'createdByKind' | 'createdById' | 'parentTaskId' | 'parentStep' | 'depth' | 'dueAt' | 'maxSteps' | 'budgetTokens' | 'budgetCost'
>;

export interface TaskQuery {
  readonly status?: TaskStatus;
  readonly agentId?: string;
  readonly parentTaskId?: string;
  readonly limit: number;
  readonly offset: number;
}

/** The `agent_tasks` table of one tenant database. */
export const TaskStore = {
  async insert(db: SqlSession, t: NewTask, status: TaskStatus, now: number): Promise<void> {
    await db.run(
      `INSERT INTO agent_tasks (id, title, description, task_type, input, priority, status, agent_id, mode, created_by_kind, created_by_id, parent_task_id, parent_step, depth, due_at,
       max_steps, budget_tokens, budget_cost, next_run_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        t.id,
        t.title,
        t.description,
        t.taskType,
        JSON.stringify(t.input),
        t.priority,
        status,
        t.agentId,
        t.mode,
        t.createdByKind,
        t.createdById,
        t.parentTaskId,
        t.parentStep,
        t.depth,
        t.dueAt,
        t.maxSteps,
        t.budgetTokens,
        t.budgetCost,
        t.agentId ? now : null,
        now,
        now,
      ],
    );
  },

  async get(db: SqlSession, id: string): Promise<TaskRecord | null> {
    const rows = await db.query('SELECT * FROM agent_tasks WHERE id = ?', [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  async list(db: SqlSession, q: TaskQuery): Promise<{ items: TaskRecord[]; total: number }> {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (q.status) {
      where.push('status = ?');
      params.push(q.status);
    }
    if (q.agentId) {
      where.push('agent_id = ?');
      params.push(q.agentId);
    }
    if (q.parentTaskId) {
      where.push('parent_task_id = ?');
      params.push(q.parentTaskId);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM agent_tasks ${clause}`, params);
    const rows = await db.query(`SELECT * FROM agent_tasks ${clause} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`, [...params, q.limit, q.offset]);
    return { items: rows.map(fromRow), total: Number(total[0]?.n ?? 0) };
  },

  /** Open tasks per agent: the load best-agent assignment weighs. */
  async openCounts(db: SqlSession): Promise<Map<string, number>> {
    const rows = await db.query<{ agent_id: string; n: number | string }>(
      "SELECT agent_id, COUNT(*) AS n FROM agent_tasks WHERE agent_id IS NOT NULL AND status IN ('pending', 'accepted', 'in_progress', 'awaiting_approval') GROUP BY agent_id",
    );
    return new Map(rows.map((r) => [String(r.agent_id), Number(r.n)]));
  },

  async children(db: SqlSession, parentId: string): Promise<TaskRecord[]> {
    return (await db.query('SELECT * FROM agent_tasks WHERE parent_task_id = ? ORDER BY created_at, id', [parentId])).map(fromRow);
  },

  /** Tasks whose run is due and that no live claim holds. */
  async due(db: SqlSession, now: number, limit: number): Promise<string[]> {
    const rows = await db.query<{ id: string }>(
      "SELECT id FROM agent_tasks WHERE next_run_at IS NOT NULL AND next_run_at <= ? AND status IN ('pending', 'accepted', 'in_progress') AND (claim_token IS NULL OR claim_until < ?) ORDER BY next_run_at LIMIT ?",
      [now, now, limit],
    );
    return rows.map((r) => r.id);
  },

  async earliestDue(db: SqlSession): Promise<number | null> {
    const rows = await db.query<{ d: number | string | null }>("SELECT MIN(next_run_at) AS d FROM agent_tasks WHERE next_run_at IS NOT NULL AND status IN ('pending', 'accepted', 'in_progress')");
    return rows[0]?.d === null || rows[0]?.d === undefined ? null : Number(rows[0].d);
  },

  /** Takes a due task for one run on this node: a conditional update, so two nodes never run one task at once. */
  async claim(db: SqlSession, id: string, token: string, until: number, now: number): Promise<boolean> {
    const changed = await db.run(
      "UPDATE agent_tasks SET claim_token = ?, claim_until = ? WHERE id = ? AND next_run_at IS NOT NULL AND next_run_at <= ? AND status IN ('pending', 'accepted', 'in_progress') AND (claim_token IS NULL OR claim_until < ?)",
      [token, until, id, now, now],
    );
    return changed === 1;
  },

  async extendClaim(db: SqlSession, id: string, token: string, until: number): Promise<boolean> {
    return (await db.run('UPDATE agent_tasks SET claim_until = ? WHERE id = ? AND claim_token = ?', [until, id, token])) === 1;
  },

  /** Ends this node's run: the task waits for `nextRunAt` (null: for something else, a child or a person). */
  async release(db: SqlSession, id: string, token: string, nextRunAt: number | null, now: number): Promise<void> {
    await db.run('UPDATE agent_tasks SET claim_token = NULL, claim_until = NULL, next_run_at = ?, updated_at = ? WHERE id = ? AND claim_token = ?', [nextRunAt, now, id, token]);
  },

  async setStatus(db: SqlSession, id: string, status: TaskStatus, now: number, extra: { nextRunAt?: number | null; agentId?: string } = {}): Promise<void> {
    const sets = ['status = ?', 'updated_at = ?'];
    const params: Array<string | number | null> = [status, now];
    if (extra.nextRunAt !== undefined) {
      sets.push('next_run_at = ?');
      params.push(extra.nextRunAt);
    }
    if (extra.agentId !== undefined) {
      sets.push('agent_id = ?');
      params.push(extra.agentId);
    }
    if (status === 'in_progress') {
      sets.push('started_at = COALESCE(started_at, ?)');
      params.push(now);
    }
    await db.run(`UPDATE agent_tasks SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  },

  async addUsage(db: SqlSession, id: string, tokens: number, cost: number, steps: number): Promise<void> {
    await db.run('UPDATE agent_tasks SET used_tokens = used_tokens + ?, used_cost = used_cost + ?, steps = steps + ? WHERE id = ?', [tokens, cost, steps, id]);
  },

  /** Ends a task unless it already ended; false when it had (a cancel won the race). */
  async finish(db: SqlSession, id: string, status: 'completed' | 'failed' | 'cancelled' | 'rejected', outcome: { result?: unknown; code?: string; reason?: string }, now: number): Promise<boolean> {
    const changed = await db.run(
      `UPDATE agent_tasks SET status = ?, result = ?, failure_code = ?, failure_reason = ?, finished_at = ?, updated_at = ?, next_run_at = NULL, claim_token = NULL, claim_until = NULL
       WHERE id = ? AND status NOT IN ('completed', 'failed', 'cancelled', 'rejected')`,
      [status, outcome.result === undefined ? null : JSON.stringify(outcome.result), outcome.code ?? null, outcome.reason?.slice(0, 1000) ?? null, now, now, id],
    );
    return changed === 1;
  },

  /** Cost spent by the tenant's tasks since `since` (the per-tenant daily budget). */
  async costSince(db: SqlSession, since: number): Promise<number> {
    const rows = await db.query<{ c: number | string | null }>('SELECT SUM(cost) AS c FROM agent_task_steps WHERE started_at >= ?', [since]);
    return Number(rows[0]?.c ?? 0);
  },
};
