import type { SqlSession } from '@dogan/tenants';

export interface ApprovalRecord {
  readonly id: string;
  readonly taskId: string;
  /** The tool step waiting for the decision. */
  readonly step: number;
  readonly tool: string;
  readonly arguments: unknown;
  /** Why a person must decide: the tool is risky, an amount is over the tenant's threshold... */
  readonly reason: string;
  readonly status: 'pending' | 'approved' | 'rejected';
  readonly decidedBy: string | null;
  readonly decisionNote: string | null;
  readonly createdAt: number;
  readonly decidedAt: number | null;
}

type Row = Record<string, unknown>;

function fromRow(r: Row): ApprovalRecord {
  return {
    id: String(r.id),
    taskId: String(r.task_id),
    step: Number(r.step),
    tool: String(r.tool),
    arguments: JSON.parse(String(r.arguments)) as unknown,
    reason: String(r.reason),
    status: String(r.status) as ApprovalRecord['status'],
    decidedBy: r.decided_by === null || r.decided_by === undefined ? null : String(r.decided_by),
    decisionNote: r.decision_note === null || r.decision_note === undefined ? null : String(r.decision_note),
    createdAt: Number(r.created_at),
    decidedAt: r.decided_at === null || r.decided_at === undefined ? null : Number(r.decided_at),
  };
}

/** The `agent_task_approvals` table: gates a person opens and closes. */
export const ApprovalStore = {
  async insert(db: SqlSession, a: Pick<ApprovalRecord, 'id' | 'taskId' | 'step' | 'tool' | 'arguments' | 'reason'>, now: number): Promise<void> {
    await db.run("INSERT INTO agent_task_approvals (id, task_id, step, tool, arguments, reason, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)", [
      a.id,
      a.taskId,
      a.step,
      a.tool,
      JSON.stringify(a.arguments),
      a.reason.slice(0, 300),
      now,
    ]);
  },

  async forTask(db: SqlSession, taskId: string): Promise<ApprovalRecord[]> {
    return (await db.query('SELECT * FROM agent_task_approvals WHERE task_id = ? ORDER BY created_at, id', [taskId])).map(fromRow);
  },

  async forStep(db: SqlSession, taskId: string, step: number): Promise<ApprovalRecord | null> {
    const rows = await db.query('SELECT * FROM agent_task_approvals WHERE task_id = ? AND step = ?', [taskId, step]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  /** Decides a pending approval; false when it was decided already (two people clicking at once). */
  async decide(db: SqlSession, id: string, status: 'approved' | 'rejected', by: string, note: string | null, now: number): Promise<boolean> {
    const changed = await db.run("UPDATE agent_task_approvals SET status = ?, decided_by = ?, decision_note = ?, decided_at = ? WHERE id = ? AND status = 'pending'", [
      status,
      by.slice(0, 100),
      note?.slice(0, 1000) ?? null,
      now,
      id,
    ]);
    return changed === 1;
  },
};
