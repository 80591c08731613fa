import type { SqlSession } from '@dogan/tenants';

/**
 * One step of a task's run. `llm` holds the model's answer (text and tool calls), `tool` a tool call
 * (started before it runs, done with its result after), `delegation` a subtask handed out, `approval`
 * a person's decision, `note` what the runner decided (a guard that stopped the run, a resume).
 */
export type StepKind = 'llm' | 'tool' | 'delegation' | 'approval' | 'note';
/** `started`: under way (a tool call whose outcome a crash may have lost), `waiting` for a child or a person. */
export type StepStatus = 'started' | 'waiting' | 'done' | 'failed';

export interface StepRecord {
  readonly taskId: string;
  readonly seq: number;
  readonly kind: StepKind;
  readonly status: StepStatus;
  readonly agentId: string | null;
  readonly tool: string | null;
  /** The tool call's id in the model's answer, so its result goes back under it. */
  readonly callId: string | null;
  readonly data: Record<string, unknown>;
  readonly result: unknown;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Halalas. */
  readonly cost: number;
  readonly startedAt: number;
  readonly finishedAt: number | null;
}

type Row = Record<string, unknown>;

function fromRow(r: Row): StepRecord {
  return {
    taskId: String(r.task_id),
    seq: Number(r.seq),
    kind: String(r.kind) as StepKind,
    status: String(r.status) as StepStatus,
    agentId: r.agent_id === null || r.agent_id === undefined ? null : String(r.agent_id),
    tool: r.tool === null || r.tool === undefined ? null : String(r.tool),
    callId: r.call_id === null || r.call_id === undefined ? null : String(r.call_id),
    data: JSON.parse(String(r.data)) as Record<string, unknown>,
    result: r.result === null || r.result === undefined ? null : (JSON.parse(String(r.result)) as unknown),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cost: Number(r.cost),
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null || r.finished_at === undefined ? null : Number(r.finished_at),
  };
}

export type NewStep = Pick<StepRecord, 'kind' | 'status' | 'agentId' | 'tool' | 'callId' | 'data'> & Partial<Pick<StepRecord, 'result' | 'inputTokens' | 'outputTokens' | 'cost' | 'finishedAt'>>;

/** The `agent_task_steps` table: a task's trace, and the checkpoint its run resumes from. */
export const StepStore = {
  async list(db: SqlSession, taskId: string): Promise<StepRecord[]> {
    return (await db.query('SELECT * FROM agent_task_steps WHERE task_id = ? ORDER BY seq', [taskId])).map(fromRow);
  },

  async get(db: SqlSession, taskId: string, seq: number): Promise<StepRecord | null> {
    const rows = await db.query('SELECT * FROM agent_task_steps WHERE task_id = ? AND seq = ?', [taskId, seq]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  /** Appends a step and answers its number; only the task's claim holder writes, so MAX+1 is safe. */
  async append(db: SqlSession, taskId: string, step: NewStep, now: number): Promise<number> {
    const rows = await db.query<{ m: number | string | null }>('SELECT MAX(seq) AS m FROM agent_task_steps WHERE task_id = ?', [taskId]);
    const seq = rows[0]?.m === null || rows[0]?.m === undefined ? 1 : Number(rows[0].m) + 1;
    await db.run(
      `INSERT INTO agent_task_steps (task_id, seq, kind, status, agent_id, tool, call_id, data, result, input_tokens, output_tokens, cost, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        taskId,
        seq,
        step.kind,
        step.status,
        step.agentId,
        step.tool,
        step.callId,
        JSON.stringify(step.data),
        step.result === undefined ? null : JSON.stringify(step.result),
        step.inputTokens ?? 0,
        step.outputTokens ?? 0,
        step.cost ?? 0,
        now,
        step.finishedAt ?? null,
      ],
    );
    return seq;
  },

  /** Records a step's outcome. */
  async finish(db: SqlSession, taskId: string, seq: number, status: 'done' | 'failed', result: unknown, now: number): Promise<void> {
    await db.run('UPDATE agent_task_steps SET status = ?, result = ?, finished_at = ? WHERE task_id = ? AND seq = ?', [status, JSON.stringify(result ?? null), now, taskId, seq]);
  },

  async setStatus(db: SqlSession, taskId: string, seq: number, status: StepStatus): Promise<void> {
    await db.run('UPDATE agent_task_steps SET status = ? WHERE task_id = ? AND seq = ?', [status, taskId, seq]);
  },
};
