import type { SqlSession } from '../database/sql-session.js';

/** A due time this node claimed: it alone runs it. */
export interface DueClaim {
  readonly dueMs: number;
  /** The due time claimed before this one (by any node). */
  readonly previousMs: number;
  /** Due times between the two that nobody ran. */
  readonly missed: number;
}

const ERROR_LENGTH = 500;
/** Compare-and-set rounds before giving up: each lost round means another node moved the record forward. */
const CLAIM_ATTEMPTS = 10;

/**
 * The record of each scheduled job's due times in the control plane (`dogan_scheduled_jobs`): the
 * latest due time claimed, moved forward only by a compare-and-set on its previous value, so of the
 * nodes that reach for a due time exactly one gets it, and no node goes back to an earlier one.
 */
export class ScheduledRuns {
  constructor(
    private readonly sql: SqlSession,
    /** Who claims, as recorded in `claimed_by`. */
    private readonly node: string,
  ) {}

  /** The latest due time claimed for `job`, or undefined before its first. */
  async lastDue(job: string): Promise<number | undefined> {
    const rows = await this.sql.query<{ last_due_ms: string | number }>('SELECT last_due_ms FROM dogan_scheduled_jobs WHERE job = ?', [job]);
    return rows[0] === undefined ? undefined : Number(rows[0].last_due_ms);
  }

  /**
   * Claims `dueMs` for this node when no due time at or after it was claimed. A job seen for the first
   * time starts at `firstFloorMs` (its due times up to then are not its to run). `missedBetween` counts
   * the due times skipped since the previous claim.
   */
  async claim(job: string, kind: string, dueMs: number, firstFloorMs: number, missedBetween: (previousMs: number) => number): Promise<DueClaim | undefined> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const previous = await this.lastDue(job);
      if (previous === undefined) {
        // Two nodes may see the job first at once: one row wins, and both claim against it.
        await this.sql.run('INSERT INTO dogan_scheduled_jobs (job, kind, last_due_ms, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (job) DO NOTHING', [job, kind, firstFloorMs, new Date().toISOString()]);
        continue;
      }
      if (previous >= dueMs) return undefined;
      const missed = missedBetween(previous);
      const changed = await this.sql.run(
        'UPDATE dogan_scheduled_jobs SET last_due_ms = ?, claimed_by = ?, claimed_at = ?, runs = runs + 1, missed = missed + ? WHERE job = ? AND last_due_ms = ?',
        [dueMs, this.node, new Date().toISOString(), missed, job, previous],
      );
      if (changed === 1) return { dueMs, previousMs: previous, missed };
      // Another node moved it meanwhile: read again; it has this due time or an earlier one.
    }
    // Never "someone else has it" unless someone does: the caller remembers that answer.
    throw new Error(`due time ${new Date(dueMs).toISOString()} of scheduled job "${job}" could not be claimed: its record kept changing`);
  }

  /** Records how a claimed run ended; a later due time already completed is kept. */
  async complete(job: string, dueMs: number, outcome: 'ok' | 'failed', error?: string): Promise<void> {
    await this.sql.run(
      'UPDATE dogan_scheduled_jobs SET completed_due_ms = ?, completed_at = ?, outcome = ?, error = ? WHERE job = ? AND (completed_due_ms IS NULL OR completed_due_ms < ?)',
      [dueMs, new Date().toISOString(), outcome, error === undefined ? null : error.slice(0, ERROR_LENGTH), job, dueMs],
    );
  }
}
