import type { SqlSession } from '@dogan/tenants';

export const RUN_STATUSES = ['pending', 'running', 'waiting', 'compensating', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** States a run leaves only by a person's retry (failed) or never. */
export const FINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);
export type TriggerKind = 'event' | 'schedule' | 'webhook' | 'manual' | 'replay' | 'agent';

export interface RunRecord {
  readonly id: string;
  readonly workflowId: string;
  readonly version: number;
  readonly status: RunStatus;
  readonly triggerKind: TriggerKind;
  readonly triggerKey: string | null;
  /** `$.trigger`. */
  readonly trigger: Record<string, unknown>;
  /** `$.vars`, as the last `set` step left them. */
  readonly vars: Record<string, unknown>;
  readonly error: { readonly code: string; readonly message: string; readonly step: string | null } | null;
  readonly replayOf: string | null;
  /** How many times a person retried it: step failures of earlier epochs do not count against retries. */
  readonly epoch: number;
  readonly nextAt: number | null;
  readonly claimToken: string | null;
  readonly claimUntil: number | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly updatedAt: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function fromRow(r: Row): RunRecord {
  return {
    id: String(r.id),
    workflowId: String(r.workflow_id),
    version: Number(r.version),
    status: String(r.status) as RunStatus,
    triggerKind: String(r.trigger_kind) as TriggerKind,
    triggerKey: r.trigger_key === null ? null : String(r.trigger_key),
    trigger: JSON.parse(String(r.trigger_data)) as Record<string, unknown>,
    vars: JSON.parse(String(r.vars)) as Record<string, unknown>,
    error: r.error_code === null ? null : { code: String(r.error_code), message: String(r.error_message ?? ''), step: r.error_step === null ? null : String(r.error_step) },
    replayOf: r.replay_of === null ? null : String(r.replay_of),
    epoch: Number(r.epoch),
    nextAt: num(r.next_at),
    claimToken: r.claim_token === null ? null : String(r.claim_token),
    claimUntil: num(r.claim_until),
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
    updatedAt: Number(r.updated_at),
  };
}

export interface NewRun {
  readonly id: string;
  readonly workflowId: string;
  readonly version: number;
  readonly triggerKind: TriggerKind;
  readonly triggerKey: string | null;
  readonly trigger: Record<string, unknown>;
  readonly replayOf?: string | null;
}

/** Unique-key violations on either engine: the trigger already started this run. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed|duplicate key value/i.test(e?.message ?? '');
}

/** A tenant's workflow runs. */
export const RunStore = {
  /** Records a pending run, due now; false when its trigger key already started one. */
  async insert(db: SqlSession, run: NewRun, now: number): Promise<boolean> {
    try {
      await db.run(
        `INSERT INTO workflow_runs (id, workflow_id, version, status, trigger_kind, trigger_key, trigger_data, vars, replay_of, next_at, created_at, updated_at)
         VALUES (?, ?, ?, 'pending', ?, ?, ?, '{}', ?, ?, ?, ?)`,
        [run.id, run.workflowId, run.version, run.triggerKind, run.triggerKey, JSON.stringify(run.trigger), run.replayOf ?? null, now, now, now],
      );
      return true;
    } catch (err) {
      if (run.triggerKey !== null && isUniqueViolation(err)) return false;
      throw err;
    }
  },

  async get(db: SqlSession, id: string): Promise<RunRecord | undefined> {
    const [row] = await db.query('SELECT * FROM workflow_runs WHERE id = ?', [id]);
    return row ? fromRow(row) : undefined;
  },

  async list(db: SqlSession, workflowId: string, options: { limit: number; before?: number; status?: RunStatus }): Promise<RunRecord[]> {
    const where = ['workflow_id = ?'];
    const params: Array<string | number> = [workflowId];
    if (options.before !== undefined) {
      where.push('created_at < ?');
      params.push(options.before);
    }
    if (options.status) {
      where.push('status = ?');
      params.push(options.status);
    }
    const rows = await db.query(`SELECT * FROM workflow_runs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`, [...params, options.limit]);
    return rows.map(fromRow);
  },

  /** Runs due at `now` that no live claim holds, oldest first. */
  async due(db: SqlSession, now: number, limit: number): Promise<string[]> {
    const rows = await db.query<{ id: string }>(
      `SELECT id FROM workflow_runs WHERE next_at IS NOT NULL AND next_at <= ? AND (claim_until IS NULL OR claim_until < ?) ORDER BY next_at LIMIT ?`,
      [now, now, limit],
    );
    return rows.map((r) => r.id);
  },

  /** The earliest time any run is due (a claimed run is due again when its claim lapses). */
  async earliestDue(db: SqlSession): Promise<number | null> {
    const [row] = await db.query<{ due: number | string | null }>('SELECT MIN(CASE WHEN claim_until IS NOT NULL AND claim_until > next_at THEN claim_until ELSE next_at END) AS due FROM workflow_runs WHERE next_at IS NOT NULL');
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  },

  /** Takes the run for this node until `until`; false when another node holds it or it is not due. */
  async claim(db: SqlSession, id: string, token: string, now: number, until: number): Promise<boolean> {
    const changed = await db.run(
      `UPDATE workflow_runs SET claim_token = ?, claim_until = ?, updated_at = ?
       WHERE id = ? AND next_at IS NOT NULL AND next_at <= ? AND (claim_until IS NULL OR claim_until < ?)`,
      [token, until, now, id, now, now],
    );
    return changed === 1;
  },

  /** Extends this node's claim; false when it was lost (the run must stop here). */
  async renew(db: SqlSession, id: string, token: string, until: number): Promise<boolean> {
    return (await db.run('UPDATE workflow_runs SET claim_until = ? WHERE id = ? AND claim_token = ?', [until, id, token])) === 1;
  },

  /** Sets status and the next time it is due (null: nothing to do until someone acts), releasing the claim. */
  async park(db: SqlSession, id: string, token: string, change: { status: RunStatus; nextAt: number | null; vars?: Record<string, unknown> }, now: number): Promise<boolean> {
    const vars = change.vars === undefined ? null : JSON.stringify(change.vars);
    return (
      (await db.run(
        `UPDATE workflow_runs SET status = ?, next_at = ?, vars = COALESCE(?, vars), started_at = COALESCE(started_at, ?), claim_token = NULL, claim_until = NULL, updated_at = ?
         WHERE id = ? AND claim_token = ?`,
        [change.status, change.nextAt, vars, now, now, id, token],
      )) === 1
    );
  },

  async saveVars(db: SqlSession, id: string, vars: Record<string, unknown>): Promise<void> {
    await db.run('UPDATE workflow_runs SET vars = ? WHERE id = ?', [JSON.stringify(vars), id]);
  },

  async setStatus(db: SqlSession, id: string, token: string, status: RunStatus, now: number): Promise<boolean> {
    return (await db.run('UPDATE workflow_runs SET status = ?, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ? AND claim_token = ?', [status, now, now, id, token])) === 1;
  },

  /** Ends the run (completed, failed or cancelled) under this node's claim. */
  async finish(db: SqlSession, id: string, token: string | null, outcome: { status: RunStatus; error?: { code: string; message: string; step: string | null } | null; vars?: Record<string, unknown> }, now: number): Promise<boolean> {
    const e = outcome.error ?? null;
    const vars = outcome.vars === undefined ? null : JSON.stringify(outcome.vars);
    const guard = token === null ? '' : ' AND claim_token = ?';
    const params = [outcome.status, e?.code ?? null, e?.message.slice(0, 2000) ?? null, e?.step ?? null, vars, now, now, now, id, ...(token === null ? [] : [token])];
    return (
      (await db.run(
        `UPDATE workflow_runs SET status = ?, error_code = ?, error_message = ?, error_step = ?, vars = COALESCE(?, vars), next_at = NULL, claim_token = NULL, claim_until = NULL,
         started_at = COALESCE(started_at, ?), finished_at = ?, updated_at = ? WHERE id = ?${guard}`,
        params,
      )) === 1
    );
  },

  /** Cancels an unfinished run; a node running it sees its claim gone at its next step. */
  async cancel(db: SqlSession, id: string, now: number): Promise<boolean> {
    return (
      (await db.run(
        `UPDATE workflow_runs SET status = 'cancelled', error_code = 'WORKFLOW_RUN_CANCELLED', error_message = 'cancelled', next_at = NULL, claim_token = NULL, claim_until = NULL, finished_at = ?, updated_at = ?
         WHERE id = ? AND status NOT IN ('completed', 'failed', 'cancelled')`,
        [now, now, id],
      )) === 1
    );
  },

  /** Makes a failed run due again (retry from its failed step): the failed step's attempts start over. */
  async reopen(db: SqlSession, id: string, now: number): Promise<boolean> {
    return (
      (await db.run(
        `UPDATE workflow_runs SET status = 'running', epoch = epoch + 1, error_code = NULL, error_message = NULL, error_step = NULL, next_at = ?, finished_at = NULL, updated_at = ?
         WHERE id = ? AND status = 'failed'`,
        [now, now, id],
      )) === 1
    );
  },

  /** Due now (an approval decided, a task it waits for ended). */
  async wake(db: SqlSession, id: string, now: number): Promise<void> {
    await db.run("UPDATE workflow_runs SET next_at = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'running', 'waiting')", [now, now, id]);
  },

  async countSince(db: SqlSession, since: number): Promise<number> {
    const [row] = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM workflow_runs WHERE created_at >= ?', [since]);
    return Number(row?.n ?? 0);
  },

  /** Open runs of a workflow (to cancel before it is deleted). */
  async openOf(db: SqlSession, workflowId: string): Promise<string[]> {
    const rows = await db.query<{ id: string }>("SELECT id FROM workflow_runs WHERE workflow_id = ? AND status NOT IN ('completed', 'failed', 'cancelled')", [workflowId]);
    return rows.map((r) => r.id);
  },
};
