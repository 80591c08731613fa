import { randomUUID } from 'node:crypto';
import { generateToken, hashToken } from '@dogan/runtime';
import type { PlanLimits, SqlSession, Tenant, TenantsApi } from '@dogan/tenants';
import { Ajv, type ValidateFunction } from 'ajv';
import { validateDefinition } from './definition/validate-definition.js';
import { WorkflowErrors } from './errors.js';
import type { ScheduleIndex } from './triggers/schedule-index.js';
import { FINAL_RUN_STATUSES, RunStore, type RunRecord, type RunStatus, type TriggerKind } from './store/run-store.js';
import { StepRecordStore, type StepRecord } from './store/step-record-store.js';
import { WorkflowStore, type WorkflowRecord } from './store/workflow-store.js';

/** Most workflows a tenant may have whatever its plan (Enterprise's "unlimited" included). */
export const MAX_WORKFLOWS_PER_TENANT = 1000;

export interface WorkflowServiceDeps {
  readonly tenants: TenantsApi;
  readonly limits: () => PlanLimits | undefined;
  readonly schedules: ScheduleIndex;
  /** A run of the tenant may be due from `at`: the worker looks. */
  readonly due: (tenant: Tenant, at: number) => Promise<void>;
}

/** What the API answers for a workflow; the webhook secret only once, when made. */
export interface SavedWorkflow {
  readonly workflow: WorkflowRecord;
  readonly webhookSecret?: string;
}

export interface StartedRun {
  readonly run: RunRecord;
  /** False when the trigger had already started this run (the same event, due time or delivery). */
  readonly created: boolean;
}

/**
 * Workflows of a tenant: definitions (validated, versioned), enabling, and runs: started by a trigger
 * or a person, cancelled, retried from the failed step, replayed; approvals decided. The engine and
 * worker advance the runs; this records what people and triggers ask for.
 */
export class WorkflowService {
  private readonly ajv = new Ajv({ allErrors: false, strict: false });
  private readonly inputSchemas = new Map<string, ValidateFunction>();

  constructor(private readonly deps: WorkflowServiceDeps) {}

  private db(tenant: Tenant): Promise<SqlSession> {
    return this.deps.tenants.data.of(tenant);
  }

  async list(tenant: Tenant, options: { limit: number; offset: number }): Promise<{ items: WorkflowRecord[]; total: number }> {
    return WorkflowStore.list(await this.db(tenant), options);
  }

  async get(tenant: Tenant, id: string): Promise<WorkflowRecord> {
    const found = await WorkflowStore.get(await this.db(tenant), id);
    if (!found) throw WorkflowErrors.WORKFLOW_NOT_FOUND(id);
    return found;
  }

  async count(tenant: Tenant): Promise<number> {
    return WorkflowStore.count(await this.db(tenant));
  }

  /** Validates and saves a new workflow (PLAN_LIMIT_REACHED past the plan's workflow limit). */
  async create(tenant: Tenant, input: unknown, options: { enabled?: boolean; template?: string | null } = {}): Promise<SavedWorkflow> {
    const definition = validateDefinition(input);
    const secret = definition.trigger.type === 'webhook' ? generateToken('dwh_') : undefined;
    const id = randomUUID();
    const db = await this.db(tenant);
    const enabled = options.enabled ?? true;
    await db.transaction(async (tx) => {
      await WorkflowStore.lock(tx);
      const count = await WorkflowStore.count(tx);
      await this.deps.limits()?.assertWithinLimit(tenant, 'workflows', count);
      if (count >= MAX_WORKFLOWS_PER_TENANT) throw WorkflowErrors.WORKFLOW_LIMIT_REACHED(MAX_WORKFLOWS_PER_TENANT);
      await WorkflowStore.insert(tx, { id, definition, enabled, webhookSecretHash: secret ? hashToken(secret) : null, template: options.template ?? null }, Date.now());
    });
    const workflow = await this.get(tenant, id);
    await this.deps.schedules.sync(tenant, workflow);
    return { workflow, ...(secret ? { webhookSecret: secret } : {}) };
  }

  /** A new version when the definition changed; runs already started keep theirs. */
  async update(tenant: Tenant, id: string, input: unknown): Promise<SavedWorkflow> {
    const definition = validateDefinition(input);
    const current = await this.get(tenant, id);
    const db = await this.db(tenant);
    // A webhook trigger keeps its secret; becoming one makes a secret (shown now); leaving it drops it.
    const secret = definition.trigger.type === 'webhook' && !current.webhookSecretHash ? generateToken('dwh_') : undefined;
    const hash = definition.trigger.type !== 'webhook' ? null : secret ? hashToken(secret) : current.webhookSecretHash;
    await db.transaction((tx) => WorkflowStore.update(tx, current, definition, hash, Date.now()));
    this.inputSchemas.delete(`${tenant.id}:${id}`);
    const workflow = await this.get(tenant, id);
    await this.deps.schedules.sync(tenant, workflow);
    return { workflow, ...(secret ? { webhookSecret: secret } : {}) };
  }

  async setEnabled(tenant: Tenant, id: string, enabled: boolean): Promise<WorkflowRecord> {
    await this.get(tenant, id);
    await WorkflowStore.setEnabled(await this.db(tenant), id, enabled, Date.now());
    const workflow = await this.get(tenant, id);
    await this.deps.schedules.sync(tenant, workflow);
    return workflow;
  }

  /** A new webhook secret (shown this once); the old one stops working. */
  async rotateWebhookSecret(tenant: Tenant, id: string): Promise<SavedWorkflow> {
    const workflow = await this.get(tenant, id);
    if (workflow.triggerType !== 'webhook') throw WorkflowErrors.WORKFLOW_WEBHOOK_NOT_FOUND();
    const secret = generateToken('dwh_');
    await WorkflowStore.setWebhookSecret(await this.db(tenant), id, hashToken(secret), Date.now());
    return { workflow: await this.get(tenant, id), webhookSecret: secret };
  }

  /** Deletes the workflow: its open runs are cancelled and everything it ran is removed with it. */
  async remove(tenant: Tenant, id: string): Promise<void> {
    const workflow = await this.get(tenant, id);
    const db = await this.db(tenant);
    const now = Date.now();
    for (const runId of await RunStore.openOf(db, id)) await RunStore.cancel(db, runId, now);
    await db.transaction((tx) => WorkflowStore.remove(tx, id));
    await this.deps.schedules.remove(tenant, workflow.id);
  }

  /**
   * Starts a run of the workflow's current version; `triggerKey` makes it once per trigger (the
   * same event, due time or webhook delivery a second time returns the first run).
   */
  async start(tenant: Tenant, workflow: WorkflowRecord, kind: TriggerKind, triggerKey: string | null, trigger: Record<string, unknown>, replayOf: string | null = null): Promise<StartedRun> {
    const db = await this.db(tenant);
    const id = randomUUID();
    const now = Date.now();
    const created = await RunStore.insert(db, { id, workflowId: workflow.id, version: workflow.version, triggerKind: kind, triggerKey, trigger, replayOf }, now);
    if (!created) {
      const [existing] = await db.query<{ id: string }>('SELECT id FROM workflow_runs WHERE workflow_id = ? AND trigger_key = ?', [workflow.id, triggerKey]);
      return { run: (await RunStore.get(db, existing!.id))!, created: false };
    }
    await this.deps.due(tenant, now);
    return { run: (await RunStore.get(db, id))!, created: true };
  }

  /** A run started by a person or an API client (manual triggers; others with `force`). */
  async runNow(tenant: Tenant, id: string, input: Record<string, unknown>, options: { force?: boolean; idempotencyKey?: string; kind?: TriggerKind } = {}): Promise<StartedRun> {
    const workflow = await this.get(tenant, id);
    if (!workflow.enabled) throw WorkflowErrors.WORKFLOW_DISABLED(id);
    if (workflow.triggerType !== 'manual' && !options.force) throw WorkflowErrors.WORKFLOW_NOT_MANUAL(id, workflow.triggerType);
    this.checkInput(tenant, workflow, input);
    const key = options.idempotencyKey ? `manual:${options.idempotencyKey}` : null;
    return this.start(tenant, workflow, options.kind ?? 'manual', key, { type: 'manual', input });
  }

  private checkInput(tenant: Tenant, workflow: WorkflowRecord, input: Record<string, unknown>): void {
    const schema = workflow.definition.inputSchema;
    if (!schema) return;
    const cacheKey = `${tenant.id}:${workflow.id}`;
    let validate = this.inputSchemas.get(cacheKey);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.inputSchemas.set(cacheKey, validate);
    }
    if (!validate(input)) {
      const first = validate.errors?.[0];
      throw WorkflowErrors.WORKFLOW_INPUT_INVALID.with({ errors: validate.errors }, `${first?.instancePath || '(root)'} ${first?.message ?? 'is invalid'}`);
    }
  }

  async runs(tenant: Tenant, workflowId: string, options: { limit: number; before?: number; status?: RunStatus }): Promise<RunRecord[]> {
    await this.get(tenant, workflowId);
    return RunStore.list(await this.db(tenant), workflowId, options);
  }

  async run(tenant: Tenant, workflowId: string, runId: string): Promise<{ run: RunRecord; steps: StepRecord[] }> {
    const db = await this.db(tenant);
    const run = await RunStore.get(db, runId);
    if (!run || run.workflowId !== workflowId) throw WorkflowErrors.WORKFLOW_RUN_NOT_FOUND(runId, workflowId);
    return { run, steps: await StepRecordStore.forRun(db, runId) };
  }

  async cancel(tenant: Tenant, workflowId: string, runId: string): Promise<RunRecord> {
    const { run } = await this.run(tenant, workflowId, runId);
    if (FINAL_RUN_STATUSES.has(run.status)) throw WorkflowErrors.WORKFLOW_RUN_FINISHED(runId, run.status);
    const db = await this.db(tenant);
    await RunStore.cancel(db, runId, Date.now());
    return (await RunStore.get(db, runId))!;
  }

  /** Retries a failed run from the step that failed (steps undone by compensation run again). */
  async retry(tenant: Tenant, workflowId: string, runId: string): Promise<RunRecord> {
    const { run } = await this.run(tenant, workflowId, runId);
    const db = await this.db(tenant);
    if (!(await RunStore.reopen(db, runId, Date.now()))) throw WorkflowErrors.WORKFLOW_RUN_NOT_FAILED(runId, run.status);
    await this.deps.due(tenant, Date.now());
    return (await RunStore.get(db, runId))!;
  }

  /** A new run with the same trigger data and the same version as `runId`. */
  async replay(tenant: Tenant, workflowId: string, runId: string): Promise<RunRecord> {
    const { run } = await this.run(tenant, workflowId, runId);
    const workflow = await this.get(tenant, workflowId);
    return (await this.start(tenant, { ...workflow, version: run.version }, 'replay', null, run.trigger, run.id)).run;
  }

  /** A person's decision on the approval the run waits for at `stepKey`. */
  async decide(tenant: Tenant, workflowId: string, runId: string, stepKey: string, decision: 'approved' | 'rejected', by: string, note: string | null): Promise<RunRecord> {
    const { run, steps } = await this.run(tenant, workflowId, runId);
    if (FINAL_RUN_STATUSES.has(run.status)) throw WorkflowErrors.WORKFLOW_RUN_FINISHED(runId, run.status);
    const waiting = steps.findLast((s) => s.stepKey === stepKey && s.stepType === 'approval');
    if (!waiting || (waiting.status !== 'waiting' && waiting.status !== 'succeeded' && waiting.status !== 'failed')) throw WorkflowErrors.WORKFLOW_APPROVAL_NOT_FOUND(runId, stepKey);
    const current = String(waiting.state?.decision ?? 'pending');
    if (waiting.status !== 'waiting' || current !== 'pending') throw WorkflowErrors.WORKFLOW_APPROVAL_DECIDED(stepKey, current === 'pending' ? waiting.status : current);
    const db = await this.db(tenant);
    const now = Date.now();
    await StepRecordStore.setState(db, runId, stepKey, waiting.attempt, { ...waiting.state, decision, by, note, decidedAt: new Date(now).toISOString() });
    await RunStore.wake(db, runId, now);
    await this.deps.due(tenant, now);
    return (await RunStore.get(db, runId))!;
  }

  /** Approvals waiting for a person, across the tenant's runs (newest first). */
  async pendingApprovals(tenant: Tenant, limit: number): Promise<Array<{ runId: string; workflowId: string; stepKey: string; title: string; description: string; requestedAt: string }>> {
    const db = await this.db(tenant);
    const rows = await db.query<{ run_id: string; workflow_id: string; step_key: string; state: string; started_at: number | string }>(
      `SELECT s.run_id, r.workflow_id, s.step_key, s.state, s.started_at FROM workflow_run_steps s JOIN workflow_runs r ON r.id = s.run_id
       WHERE s.step_type = 'approval' AND s.status = 'waiting' AND r.status NOT IN ('completed', 'failed', 'cancelled') ORDER BY s.started_at DESC LIMIT ?`,
      [limit],
    );
    return rows
      .map((r) => ({ row: r, state: JSON.parse(r.state ?? '{}') as Record<string, unknown> }))
      .filter((r) => r.state.decision === 'pending')
      .map(({ row, state }) => ({
        runId: row.run_id,
        workflowId: row.workflow_id,
        stepKey: row.step_key,
        title: String(state.title ?? ''),
        description: String(state.description ?? ''),
        requestedAt: new Date(Number(row.started_at)).toISOString(),
      }));
  }

  /** For the usage report: runs started since `since` (this month). */
  async runsSince(tenant: Tenant, since: number): Promise<number> {
    return RunStore.countSince(await this.db(tenant), since);
  }
}
