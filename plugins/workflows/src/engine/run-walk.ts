import type { SqlSession, Tenant } from '@dogan/tenants';
import { Duration } from 'luxon';
import type { Logger } from 'pino';
import { matchesFilter } from '../definition/filter.js';
import { resolveValue } from '../definition/references.js';
import type { ActionStep, ApprovalStep, ForEachStep, RetryPolicy, StepDefinition, WaitStep, WorkflowDefinition } from '../definition/types.js';
import type { StepExecutor, StepOutcome } from '../steps/step-executor.js';
import { RunStore, type RunRecord } from '../store/run-store.js';
import { StepRecordStore, type StepPhase, type StepRecord } from '../store/step-record-store.js';
import { ClaimLost, classify, RunFailed, type Failure } from './failures.js';
import { waitUntil, type BusinessCalendar } from './wait-time.js';

/** The run pauses here until `until` (null: until someone acts: an approval decided). */
export interface Suspend {
  readonly until: number | null;
  readonly reason: string;
}

/** `$.…` as the steps read it. */
interface Scope {
  readonly trigger: Record<string, unknown>;
  readonly run: Record<string, unknown>;
  readonly vars: Record<string, unknown>;
  steps: Record<string, { output: unknown }>;
  readonly item?: unknown;
  readonly index?: number;
}

export interface WalkDeps {
  readonly db: SqlSession;
  readonly tenant: Tenant;
  readonly run: RunRecord;
  readonly definition: WorkflowDefinition;
  readonly records: readonly StepRecord[];
  readonly token: string;
  readonly executors: ReadonlyMap<string, StepExecutor>;
  readonly calendar: () => BusinessCalendar | undefined;
  readonly claimMs: number;
  /** Aborted when the node stops: the step in flight ends and the run is resumed elsewhere. */
  readonly stopping: AbortSignal;
  readonly log: Logger;
  readonly now: () => number;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 1 };
const DEFAULT_FOR_EACH_MAX = 100;

/** Delay before attempt `failures + 1`, after `failures` failed attempts. */
export function backoffMs(policy: RetryPolicy, failures: number): number {
  const base = policy.backoffMs ?? 1000;
  const delay = base * Math.pow(policy.factor ?? 2, Math.max(0, failures - 1));
  return Math.min(delay, policy.maxBackoffMs ?? 3_600_000);
}

/** The step with what the engine, not the executor, reads (retry, compensation, nesting) left out, references resolved. */
function resolvedInput(step: ActionStep, scope: Scope): ActionStep {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { compensate, retry, timeoutMs, ...rest } = step;
  return resolveValue(rest, scope as unknown as Record<string, unknown>) as ActionStep;
}

/**
 * One pass over a run: walks the definition from the top, taking every step that finished from its
 * record (its output is replayed, its side effect never repeated), and runs the first step that has
 * not, then the next, until the run ends, pauses (a wait, an approval, a retry later, an agent at
 * work) or fails. A step's record is written before its side effect starts; an attempt found started
 * (its node died) is run again with the same attempt number, so its idempotency key is the same and
 * the other side does not do the work twice.
 */
export class RunWalk {
  private readonly byKey = new Map<string, StepRecord[]>();
  private nextSeq: number;
  private readonly scope: Scope;
  /** Every step by id (ids are unique across the definition): compensation finds a record's step here. */
  private readonly stepsById = new Map<string, StepDefinition>();

  constructor(private readonly deps: WalkDeps) {
    for (const r of deps.records) {
      const list = this.byKey.get(r.stepKey) ?? [];
      list.push(r);
      this.byKey.set(r.stepKey, list);
    }
    this.nextSeq = deps.records.reduce((max, r) => Math.max(max, r.seq), 0) + 1;
    this.scope = {
      trigger: deps.run.trigger,
      run: { id: deps.run.id, workflowId: deps.run.workflowId, version: deps.run.version, startedAt: new Date(deps.run.startedAt ?? deps.run.createdAt).toISOString() },
      vars: { ...deps.run.vars },
      steps: {},
    };
    const index = (steps: readonly StepDefinition[]) => {
      for (const s of steps) {
        this.stepsById.set(s.id, s);
        if (s.type === 'condition') {
          index(s.then);
          index(s.else ?? []);
        } else if (s.type === 'for_each') index(s.steps);
      }
    };
    index(deps.definition.steps);
  }

  get vars(): Record<string, unknown> {
    return this.scope.vars;
  }

  /** Runs the definition; resolves with a pause, or undefined when every step is done. Throws RunFailed or ClaimLost. */
  async perform(): Promise<Suspend | undefined> {
    return this.list(this.deps.definition.steps, this.scope, '');
  }

  private async list(steps: readonly StepDefinition[], scope: Scope, prefix: string): Promise<Suspend | undefined> {
    for (const step of steps) {
      const key = `${prefix}${step.id}`;
      const paused = await this.step(step, scope, key);
      if (paused) return paused;
    }
    return undefined;
  }

  private async step(step: StepDefinition, scope: Scope, key: string): Promise<Suspend | undefined> {
    switch (step.type) {
      case 'condition': {
        const done = this.succeeded(key);
        let branch: 'then' | 'else';
        if (done) branch = (done.output as { branch: 'then' | 'else' }).branch;
        else {
          branch = matchesFilter(step.if, scope) ? 'then' : 'else';
          await this.record(step, key, 'run', null, { branch });
        }
        scope.steps[step.id] = { output: { branch } };
        return this.list(branch === 'then' ? step.then : (step.else ?? []), scope, key.slice(0, key.length - step.id.length));
      }
      case 'for_each':
        return this.forEach(step, scope, key);
      case 'wait':
        return this.wait(step, scope, key);
      case 'approval':
        return this.approval(step, scope, key);
      default: {
        const outcome = await this.action(step, scope, key, 'run');
        if ('until' in outcome) return outcome;
        scope.steps[step.id] = { output: outcome.output };
        if (step.type === 'set' && outcome.output && typeof outcome.output === 'object') {
          Object.assign(scope.vars, outcome.output);
          await RunStore.saveVars(this.deps.db, this.deps.run.id, scope.vars);
        }
        return undefined;
      }
    }
  }

  /** The latest succeeded attempt of `key`, unless a later compensation undid it (a retried run does it again). */
  private succeeded(key: string, phase: StepPhase = 'run'): StepRecord | undefined {
    const done = this.byKey.get(key)?.findLast((r) => r.status === 'succeeded');
    if (!done) return undefined;
    if (phase === 'compensate') return done.epoch === this.deps.run.epoch ? done : undefined;
    const undone = this.byKey.get(`compensate:${key}`)?.some((c) => c.status === 'succeeded' && c.epoch >= done.epoch);
    return undone ? undefined : done;
  }

  private seqOf(key: string): number {
    return this.byKey.get(key)?.[0]?.seq ?? this.nextSeq++;
  }

  private remember(record: StepRecord): void {
    const list = this.byKey.get(record.stepKey) ?? [];
    const at = list.findIndex((r) => r.attempt === record.attempt);
    if (at >= 0) list[at] = record;
    else list.push(record);
    this.byKey.set(record.stepKey, list);
  }

  /** A control step's decision, recorded once (started and succeeded at the same instant). */
  private async record(step: StepDefinition, key: string, phase: StepPhase, input: unknown, output: unknown): Promise<void> {
    const now = this.deps.now();
    const attempt = (this.byKey.get(key)?.at(-1)?.attempt ?? 0) + 1;
    const base = { runId: this.deps.run.id, stepKey: key, attempt, epoch: this.deps.run.epoch, seq: this.seqOf(key), stepId: step.id, stepType: step.type, phase, input };
    await StepRecordStore.start(this.deps.db, base, now);
    await StepRecordStore.succeed(this.deps.db, this.deps.run.id, key, attempt, output, now);
    this.remember({ ...base, status: 'succeeded', output, state: null, error: null, retryAt: null, wakeAt: null, startedAt: now, finishedAt: now });
  }

  /** A step's open attempt (started or waiting), or a new one recorded now. */
  private async openAttempt(step: StepDefinition, key: string, phase: StepPhase, input: () => unknown): Promise<StepRecord> {
    const last = this.byKey.get(key)?.at(-1);
    if (last && (last.status === 'running' || last.status === 'waiting')) return last;
    const now = this.deps.now();
    const record = {
      runId: this.deps.run.id,
      stepKey: key,
      attempt: (last?.attempt ?? 0) + 1,
      epoch: this.deps.run.epoch,
      seq: this.seqOf(key),
      stepId: step.id,
      stepType: step.type,
      phase,
      input: input(),
    };
    await StepRecordStore.start(this.deps.db, record, now);
    const started: StepRecord = { ...record, status: 'running', output: null, state: null, error: null, retryAt: null, wakeAt: null, startedAt: now, finishedAt: null };
    this.remember(started);
    return started;
  }

  private async forEach(step: ForEachStep, scope: Scope, key: string): Promise<Suspend | undefined> {
    const done = this.succeeded(key);
    if (done) {
      // Inner steps' outputs are replayed by walking them again (all succeeded): nothing runs twice.
      const items = (done.state?.items ?? []) as unknown[];
      for (const [index, item] of items.entries()) await this.list(step.steps, { ...scope, item, index, steps: { ...scope.steps } }, `${key}[${index}].`);
      scope.steps[step.id] = { output: done.output };
      return undefined;
    }
    // The items are fixed when the loop starts, so a resumed loop walks the same list.
    let open = this.byKey.get(key)?.findLast((r) => r.status === 'running');
    if (!open) {
      const items = resolveValue(step.items, scope as unknown as Record<string, unknown>);
      if (!Array.isArray(items)) return this.failControl(step, key, { code: 'WORKFLOW_FOR_EACH_NOT_A_LIST', message: `items of "${step.id}" is not a list`, retryable: false });
      const max = step.maxItems ?? DEFAULT_FOR_EACH_MAX;
      if (items.length > max) return this.failControl(step, key, { code: 'WORKFLOW_FOR_EACH_TOO_MANY', message: `items of "${step.id}" has ${items.length} elements; at most ${max}`, retryable: false });
      open = await this.openAttempt(step, key, 'run', () => ({ count: items.length }));
      await StepRecordStore.setState(this.deps.db, this.deps.run.id, key, open.attempt, { items });
      open = { ...open, state: { items } };
      this.remember(open);
    }
    const items = (open.state?.items ?? []) as unknown[];
    const results: Array<Record<string, unknown>> = [];
    for (const [index, item] of items.entries()) {
      const inner: Scope = { ...scope, item, index, steps: { ...scope.steps } };
      const paused = await this.list(step.steps, inner, `${key}[${index}].`);
      if (paused) return paused;
      results.push(Object.fromEntries(step.steps.filter((s) => inner.steps[s.id]).map((s) => [s.id, inner.steps[s.id]!.output])));
    }
    const output = { count: items.length, results };
    await StepRecordStore.succeed(this.deps.db, this.deps.run.id, key, open.attempt, output, this.deps.now());
    this.remember({ ...open, status: 'succeeded', output });
    scope.steps[step.id] = { output };
    return undefined;
  }

  private async failControl(step: StepDefinition, key: string, failure: Failure): Promise<never> {
    const open = await this.openAttempt(step, key, 'run', () => null);
    await StepRecordStore.fail(this.deps.db, this.deps.run.id, key, open.attempt, failure, null, this.deps.now());
    this.remember({ ...open, status: 'failed', error: failure });
    throw new RunFailed(key, failure);
  }

  private async wait(step: WaitStep, scope: Scope, key: string): Promise<Suspend | undefined> {
    const done = this.succeeded(key);
    if (done) {
      scope.steps[step.id] = { output: done.output };
      return undefined;
    }
    let open = this.byKey.get(key)?.findLast((r) => r.status === 'waiting' || r.status === 'running');
    if (!open || open.wakeAt === null) {
      let until: number;
      try {
        until = await waitUntil(step, resolveValue(step.until ?? null, scope as unknown as Record<string, unknown>), this.deps.tenant, this.deps.calendar(), this.deps.now());
      } catch (err) {
        return this.failControl(step, key, { code: 'WORKFLOW_WAIT_INVALID', message: (err as Error).message, retryable: false });
      }
      open ??= await this.openAttempt(step, key, 'run', () => ({ until: new Date(until).toISOString() }));
      await StepRecordStore.wait(this.deps.db, this.deps.run.id, key, open.attempt, { until }, until);
      open = { ...open, status: 'waiting', state: { until }, wakeAt: until };
      this.remember(open);
    }
    if (this.deps.now() < open.wakeAt!) return { until: open.wakeAt, reason: `waiting until ${new Date(open.wakeAt!).toISOString()}` };
    const output = { waitedUntil: new Date(open.wakeAt!).toISOString() };
    await StepRecordStore.succeed(this.deps.db, this.deps.run.id, key, open.attempt, output, this.deps.now());
    this.remember({ ...open, status: 'succeeded', output });
    scope.steps[step.id] = { output };
    return undefined;
  }

  private async approval(step: ApprovalStep, scope: Scope, key: string): Promise<Suspend | undefined> {
    const done = this.succeeded(key);
    if (done) {
      scope.steps[step.id] = { output: done.output };
      return undefined;
    }
    let open = this.byKey.get(key)?.findLast((r) => r.status === 'waiting' || r.status === 'running');
    if (!open || open.status === 'running') {
      const now = this.deps.now();
      const expiresAt = step.expiresAfter ? now + Duration.fromISO(step.expiresAfter).toMillis() : null;
      const request = resolveValue({ title: step.title, description: step.description ?? '' }, scope as unknown as Record<string, unknown>) as Record<string, unknown>;
      open ??= await this.openAttempt(step, key, 'run', () => request);
      const state = { decision: 'pending', requestedAt: now, expiresAt, ...request };
      await StepRecordStore.wait(this.deps.db, this.deps.run.id, key, open.attempt, state, expiresAt);
      open = { ...open, status: 'waiting', state, wakeAt: expiresAt };
      this.remember(open);
    }
    const state = open.state ?? {};
    const now = this.deps.now();
    if (state.decision === 'approved') {
      const output = { decision: 'approved', by: state.by ?? null, note: state.note ?? null, decidedAt: state.decidedAt ?? null };
      await StepRecordStore.succeed(this.deps.db, this.deps.run.id, key, open.attempt, output, now);
      this.remember({ ...open, status: 'succeeded', output });
      scope.steps[step.id] = { output };
      return undefined;
    }
    const expired = state.decision === 'pending' && typeof state.expiresAt === 'number' && now >= state.expiresAt;
    if (state.decision === 'rejected' || expired) {
      const failure: Failure = expired
        ? { code: 'WORKFLOW_APPROVAL_EXPIRED', message: `nobody decided on "${String(state.title)}" in time`, retryable: false }
        : { code: 'WORKFLOW_APPROVAL_REJECTED', message: `rejected by ${String(state.by ?? 'someone')}${state.note ? `: ${String(state.note)}` : ''}`, retryable: false };
      await StepRecordStore.fail(this.deps.db, this.deps.run.id, key, open.attempt, failure, null, now);
      this.remember({ ...open, status: 'failed', error: failure });
      throw new RunFailed(key, failure);
    }
    return { until: typeof state.expiresAt === 'number' ? state.expiresAt : null, reason: `waiting for approval of "${String(state.title)}"` };
  }

  /**
   * One action step (or a compensation) to its end or its next pause: a finished attempt is taken
   * from its record; a failed one is tried again when its retry time comes, while the policy allows.
   */
  async action(step: ActionStep, scope: Scope, key: string, phase: StepPhase): Promise<{ output: unknown } | Suspend> {
    const done = this.succeeded(key, phase);
    if (done) return { output: done.output };
    const attempts = this.byKey.get(key) ?? [];
    const last = attempts.at(-1);
    const now = this.deps.now();
    const policy = step.retry ?? DEFAULT_RETRY;
    const failures = attempts.filter((a) => a.status === 'failed' && a.epoch === this.deps.run.epoch).length;
    if (last?.status === 'failed' && last.epoch === this.deps.run.epoch) {
      if (last.retryAt === null) throw new RunFailed(key, { code: last.error?.code ?? 'WORKFLOW_STEP_FAILED', message: last.error?.message ?? 'failed', retryable: false });
      if (now < last.retryAt) return { until: last.retryAt, reason: `retrying after ${last.error?.code ?? 'a failure'}` };
    }
    if (last?.status === 'waiting' && last.wakeAt !== null && now < last.wakeAt) return { until: last.wakeAt, reason: `step ${key} waiting` };
    const executor = this.deps.executors.get(step.type);
    if (!executor) throw new RunFailed(key, { code: 'WORKFLOW_STEP_TYPE_UNKNOWN', message: `no executor for "${step.type}"`, retryable: false });
    const open = await this.openAttempt(step, key, phase, () => resolvedInput(step, scope));
    const timeoutMs = step.timeoutMs ?? executor.defaultTimeoutMs;
    // The claim is short and renewed while the step runs (not stretched to the step's timeout), so a run
    // whose node dies mid-step is resumed one claim period later, not when the step would have timed out.
    if (!(await RunStore.renew(this.deps.db, this.deps.run.id, this.deps.token, now + this.deps.claimMs))) throw new ClaimLost();

    const outcome = await this.call(executor, open, key, timeoutMs);
    const after = this.deps.now();
    if ('failure' in outcome) {
      const { failure } = outcome;
      const retryAt = failure.retryable && failures + 1 < policy.maxAttempts ? after + backoffMs(policy, failures + 1) : null;
      await StepRecordStore.fail(this.deps.db, this.deps.run.id, key, open.attempt, failure, retryAt, after);
      this.remember({ ...open, status: 'failed', error: failure, retryAt });
      this.deps.log.info({ tenantId: this.deps.tenant.id, runId: this.deps.run.id, step: key, attempt: open.attempt, code: failure.code, retryAt }, 'workflow step failed');
      if (retryAt === null) throw new RunFailed(key, failure);
      return { until: retryAt, reason: `retrying after ${failure.code}` };
    }
    if (outcome.kind === 'wait') {
      await StepRecordStore.wait(this.deps.db, this.deps.run.id, key, open.attempt, outcome.state, outcome.until);
      this.remember({ ...open, status: 'waiting', state: outcome.state, wakeAt: outcome.until });
      return { until: outcome.until, reason: outcome.reason };
    }
    await StepRecordStore.succeed(this.deps.db, this.deps.run.id, key, open.attempt, outcome.output, after);
    this.remember({ ...open, status: 'succeeded', output: outcome.output });
    return { output: outcome.output };
  }

  /** Calls the executor under the attempt's timeout, renewing the claim every third of its period meanwhile. */
  private async call(executor: StepExecutor, open: StepRecord, key: string, timeoutMs: number): Promise<StepOutcome | { failure: Failure }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timeout, this.deps.stopping]);
    let lost = false;
    let outcome: StepOutcome | { failure: Failure };
    const heartbeat = setInterval(() => {
      void RunStore.renew(this.deps.db, this.deps.run.id, this.deps.token, this.deps.now() + this.deps.claimMs).then(
        (held) => void (lost ||= !held),
        () => undefined,
      );
    }, Math.max(50, Math.floor(this.deps.claimMs / 3)));
    heartbeat.unref();
    try {
      const ctx = {
        tenant: this.deps.tenant,
        workflowId: this.deps.run.workflowId,
        runId: this.deps.run.id,
        stepKey: key,
        attempt: open.attempt,
        idempotencyKey: `${this.deps.run.id}:${key}:${open.attempt}`,
        state: open.state,
        signal,
        log: this.deps.log.child({ runId: this.deps.run.id, step: key }),
      };
      const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      aborted.catch(() => undefined);
      outcome = await Promise.race([executor.perform(open.input as never, ctx), aborted]);
    } catch (err) {
      // The node is stopping: the attempt stays open and is resumed (same key) by the next node.
      if (this.deps.stopping.aborted) throw new ClaimLost();
      outcome = { failure: classify(err, timeout.aborted) };
    } finally {
      clearInterval(heartbeat);
    }
    // Another node took the run meanwhile (this one paused past its claim): its record is not ours to write.
    if (lost) throw new ClaimLost();
    return outcome;
  }

  /**
   * Undoes, newest first, every step that succeeded and has a `compensate` step. Each compensation is
   * itself a recorded, retried step (`compensate:<key>`); one that fails for good is recorded and the
   * others still run. Resolves with a pause while a compensation waits for its retry.
   */
  async compensate(): Promise<{ paused?: Suspend; failed: string[] }> {
    const done = [...this.byKey.values()]
      .map((list) => list.findLast((r) => r.status === 'succeeded' && r.phase === 'run'))
      .filter((r): r is StepRecord => r !== undefined && this.succeeded(r.stepKey) === r)
      .sort((a, b) => b.seq - a.seq);
    const failed: string[] = [];
    for (const record of done) {
      const step = this.stepsById.get(record.stepId);
      if (!step || !('compensate' in step) || !step.compensate) continue;
      // The compensation sees the run as it stands, with the undone step's output at $.steps.<id>.output.
      const scope: Scope = { ...this.scope, steps: { ...this.scope.steps, [record.stepId]: { output: record.output } } };
      const compensation = { ...step.compensate, id: step.compensate.id ?? `${step.id}_undo` } as ActionStep;
      try {
        const outcome = await this.action(compensation, scope, `compensate:${record.stepKey}`, 'compensate');
        if ('until' in outcome) return { paused: outcome, failed };
      } catch (err) {
        if (!(err instanceof RunFailed)) throw err;
        failed.push(record.stepKey);
      }
    }
    return { failed };
  }
}
