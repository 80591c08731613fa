import type { SqlSession } from '@dogan/tenants';

/** `run`: the step's own attempts; `compensate`: its undo after the run failed. */
export type StepPhase = 'run' | 'compensate';
export type StepRecordStatus = 'running' | 'waiting' | 'succeeded' | 'failed';

/** One attempt of one step instance. */
export interface StepRecord {
  readonly runId: string;
  /** The instance: `notify`, `loop[2].notify`; compensations are `compensate:<key>`. */
  readonly stepKey: string;
  readonly attempt: number;
  /** The run's epoch when it started (see RunRecord.epoch). */
  readonly epoch: number;
  /** Order of first start within the run (compensation runs newest first by it). */
  readonly seq: number;
  readonly stepId: string;
  readonly stepType: string;
  readonly phase: StepPhase;
  readonly status: StepRecordStatus;
  /** The step as it ran, references resolved. */
  readonly input: unknown;
  readonly output: unknown;
  readonly state: Record<string, unknown> | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  /** When a failed attempt is tried again. */
  readonly retryAt: number | null;
  /** When a waiting step is looked at again. */
  readonly wakeAt: number | null;
  readonly startedAt: number;
  readonly finishedAt: number | null;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const json = (v: unknown) => (v === null || v === undefined ? null : (JSON.parse(String(v)) as unknown));

function fromRow(r: Row): StepRecord {
  return {
    runId: String(r.run_id),
    stepKey: String(r.step_key),
    attempt: Number(r.attempt),
    epoch: Number(r.epoch),
    seq: Number(r.seq),
    stepId: String(r.step_id),
    stepType: String(r.step_type),
    phase: String(r.phase) as StepPhase,
    status: String(r.status) as StepRecordStatus,
    input: json(r.input),
    output: json(r.output),
    state: json(r.state) as Record<string, unknown> | null,
    error: r.error_code === null ? null : { code: String(r.error_code), message: String(r.error_message ?? '') },
    retryAt: num(r.retry_at),
    wakeAt: num(r.wake_at),
    startedAt: Number(r.started_at),
    finishedAt: num(r.finished_at),
  };
}

const text = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** A run's step records: its checkpoint and its history. */
export const StepRecordStore = {
  async forRun(db: SqlSession, runId: string): Promise<StepRecord[]> {
    return (await db.query('SELECT * FROM workflow_run_steps WHERE run_id = ? ORDER BY seq, attempt', [runId])).map(fromRow);
  },

  /** Records that an attempt starts (before its side effect), with the next seq of the run. */
  async start(db: SqlSession, r: { runId: string; stepKey: string; attempt: number; epoch: number; seq: number; stepId: string; stepType: string; phase: StepPhase; input: unknown }, now: number): Promise<void> {
    await db.run(
      `INSERT INTO workflow_run_steps (run_id, step_key, attempt, epoch, seq, step_id, step_type, phase, status, input, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
      [r.runId, r.stepKey, r.attempt, r.epoch, r.seq, r.stepId, r.stepType, r.phase, text(r.input), now],
    );
  },

  async succeed(db: SqlSession, runId: string, stepKey: string, attempt: number, output: unknown, now: number): Promise<void> {
    await db.run("UPDATE workflow_run_steps SET status = 'succeeded', output = ?, wake_at = NULL, finished_at = ? WHERE run_id = ? AND step_key = ? AND attempt = ?", [
      text(output ?? null),
      now,
      runId,
      stepKey,
      attempt,
    ]);
  },

  async fail(db: SqlSession, runId: string, stepKey: string, attempt: number, error: { code: string; message: string }, retryAt: number | null, now: number): Promise<void> {
    await db.run("UPDATE workflow_run_steps SET status = 'failed', error_code = ?, error_message = ?, retry_at = ?, wake_at = NULL, finished_at = ? WHERE run_id = ? AND step_key = ? AND attempt = ?", [
      error.code.slice(0, 64),
      error.message.slice(0, 2000),
      retryAt,
      now,
      runId,
      stepKey,
      attempt,
    ]);
  },

  async wait(db: SqlSession, runId: string, stepKey: string, attempt: number, state: Record<string, unknown>, wakeAt: number | null): Promise<void> {
    await db.run("UPDATE workflow_run_steps SET status = 'waiting', state = ?, wake_at = ? WHERE run_id = ? AND step_key = ? AND attempt = ?", [JSON.stringify(state), wakeAt, runId, stepKey, attempt]);
  },

  /** Saves a waiting step's state (a person's decision on an approval) without changing its status. */
  async setState(db: SqlSession, runId: string, stepKey: string, attempt: number, state: Record<string, unknown>): Promise<void> {
    await db.run('UPDATE workflow_run_steps SET state = ? WHERE run_id = ? AND step_key = ? AND attempt = ?', [JSON.stringify(state), runId, stepKey, attempt]);
  },

};
