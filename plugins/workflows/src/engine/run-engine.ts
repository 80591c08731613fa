import { randomUUID } from 'node:crypto';
import type { AuditRecorder, EventOutbox, NewPlatformEvent, SqlSession, Tenant, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { StepExecutor } from '../steps/step-executor.js';
import { FINAL_RUN_STATUSES, RunStore, type RunRecord } from '../store/run-store.js';
import { StepRecordStore } from '../store/step-record-store.js';
import { WorkflowStore } from '../store/workflow-store.js';
import { ClaimLost, RunFailed } from './failures.js';
import { RunWalk } from './run-walk.js';
import type { BusinessCalendar } from './wait-time.js';

export interface RunEngineDeps {
  readonly tenants: TenantsApi;
  readonly executors: readonly StepExecutor[];
  readonly calendar: () => BusinessCalendar | undefined;
  readonly outbox: () => EventOutbox | undefined;
  /** The tenant's audit trail: a run's end is the platform acting (actor `system`), recorded there. */
  readonly audit: () => AuditRecorder | undefined;
  /** How long a claim holds without renewal beyond a step's own timeout (WORKFLOWS_RUN_CLAIM_MS). */
  readonly claimMs: number;
  readonly log: Logger;
  /** A run of this tenant changed when it is next due. */
  readonly due: (tenant: Tenant) => Promise<void>;
}

export const WORKFLOW_EVENT_TYPES = ['workflow.run_completed', 'workflow.run_failed'] as const;

/** What a pass over a run came to. */
export type PassOutcome = 'not-claimed' | 'completed' | 'failed' | 'paused' | 'stopped';

/**
 * Advances runs: claims one (a lease in its row, so one node at a time works on it), walks it as far
 * as it goes, and parks it (paused until a time or a person), ends it (completed, or failed after
 * compensation), or lets go when the node stops. A node that dies holding a claim leaves the run due
 * again when the claim lapses; the next pass resumes it from its step records.
 */
export class RunEngine {
  private readonly executors: ReadonlyMap<string, StepExecutor>;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: RunEngineDeps) {
    this.executors = new Map(deps.executors.map((e) => [e.type, e]));
  }

  /** Ends in-flight steps (their attempts stay open and resume elsewhere, with the same keys). */
  stop(): void {
    this.stopping.abort(new Error('the node is stopping'));
  }

  async advance(tenant: Tenant, runId: string): Promise<PassOutcome> {
    const db = await this.deps.tenants.data.of(tenant);
    const token = randomUUID();
    const now = Date.now();
    if (!(await RunStore.claim(db, runId, token, now, now + this.deps.claimMs))) return 'not-claimed';
    const run = await RunStore.get(db, runId);
    if (!run || FINAL_RUN_STATUSES.has(run.status)) return 'not-claimed';
    try {
      return await this.walk(db, tenant, run, token);
    } catch (err) {
      if (err instanceof ClaimLost) return 'stopped';
      throw err;
    } finally {
      await this.deps.due(tenant).catch(() => undefined);
    }
  }

  private async walk(db: SqlSession, tenant: Tenant, run: RunRecord, token: string): Promise<PassOutcome> {
    const definition = await WorkflowStore.definitionAt(db, run.workflowId, run.version);
    if (!definition) {
      await this.end(db, tenant, run, token, { status: 'failed', error: { code: 'WORKFLOW_VERSION_MISSING', message: `version ${run.version} of the workflow is gone`, step: null } });
      return 'failed';
    }
    if (run.status === 'pending') await RunStore.setStatus(db, run.id, token, 'running', Date.now());
    const walk = new RunWalk({
      db,
      tenant,
      run,
      definition,
      records: await StepRecordStore.forRun(db, run.id),
      token,
      executors: this.executors,
      calendar: this.deps.calendar,
      claimMs: this.deps.claimMs,
      stopping: this.stopping.signal,
      log: this.deps.log,
      now: Date.now,
    });
    let failure: RunFailed;
    try {
      const paused = await walk.perform();
      if (!paused) {
        await this.end(db, tenant, run, token, { status: 'completed', vars: walk.vars });
        return 'completed';
      }
      if (!(await RunStore.park(db, run.id, token, { status: 'waiting', nextAt: paused.until, vars: walk.vars }, Date.now()))) return 'stopped';
      return 'paused';
    } catch (err) {
      if (!(err instanceof RunFailed)) throw err;
      failure = err;
    }
    // A step failed for good: undo what succeeded, newest first, then end the run as failed.
    if (!(await RunStore.setStatus(db, run.id, token, 'compensating', Date.now()))) return 'stopped';
    const compensation = await walk.compensate();
    if (compensation.paused) {
      if (!(await RunStore.park(db, run.id, token, { status: 'compensating', nextAt: compensation.paused.until }, Date.now()))) return 'stopped';
      return 'paused';
    }
    const undoFailed = compensation.failed.length > 0 ? ` (the undo of ${compensation.failed.join(', ')} failed too)` : '';
    await this.end(db, tenant, run, token, {
      status: 'failed',
      error: { code: failure.failure.code, message: `${failure.failure.message}${undoFailed}`, step: failure.stepKey },
      vars: walk.vars,
    });
    return 'failed';
  }

  private async end(db: SqlSession, tenant: Tenant, run: RunRecord, token: string, outcome: { status: 'completed' | 'failed'; error?: { code: string; message: string; step: string | null }; vars?: Record<string, unknown> }): Promise<void> {
    const outbox = this.deps.outbox();
    await db.transaction(async (tx) => {
      if (!(await RunStore.finish(tx, run.id, token, outcome, Date.now()))) throw new ClaimLost();
      const type = outcome.status === 'completed' ? 'workflow.run_completed' : 'workflow.run_failed';
      const event: NewPlatformEvent = {
        type,
        tenantId: tenant.id,
        payload: { workflowId: run.workflowId, runId: run.id, version: run.version, trigger: run.triggerKind, ...(outcome.error ? { error: { code: outcome.error.code, step: outcome.error.step } } : {}) },
      };
      await outbox?.record(tx, [event]);
    });
    this.deps.log.info({ tenantId: tenant.id, workflowId: run.workflowId, runId: run.id, status: outcome.status, code: outcome.error?.code }, 'workflow run ended');
    // After the commit: the run's end stands whatever happens to its audit entry (a failed write is logged).
    await this.deps
      .audit()
      ?.record({
        tenantId: tenant.id,
        actor: { kind: 'system', id: 'workflows' },
        action: outcome.status === 'completed' ? 'workflows.run.completed' : 'workflows.run.failed',
        target: { type: 'workflow_runs', id: run.id },
        outcome: outcome.status === 'completed' ? 'ok' : 'failed',
        details: { workflowId: run.workflowId, version: run.version, trigger: run.triggerKind, ...(outcome.error ? { error: { code: outcome.error.code, step: outcome.error.step } } : {}) },
      })
      .catch((err: unknown) => this.deps.log.error({ err, tenantId: tenant.id, runId: run.id }, 'the end of a workflow run could not be written to the audit trail'));
  }
}
