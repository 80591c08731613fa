import type { Tenant } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { StepDefinition } from '../definition/types.js';

/** What one attempt of one step knows while it runs. */
export interface StepContext {
  readonly tenant: Tenant;
  readonly workflowId: string;
  readonly runId: string;
  /** The step instance: its id, or `loop[2].notify` inside a for_each: unique within the run. */
  readonly stepKey: string;
  /** 1 on the first attempt; a retry after a failure is the next attempt. */
  readonly attempt: number;
  /**
   * `<runId>:<stepKey>:<attempt>`: the same for an attempt resumed after a crash, new for a retry.
   * Every side effect carries it (email send, agent task creation, HTTP `Idempotency-Key`), so a
   * resumed attempt never does its work twice.
   */
  readonly idempotencyKey: string;
  /** What this attempt saved earlier (a waiting step's task id), or null on its first call. */
  readonly state: Record<string, unknown> | null;
  /** Aborted when the attempt's timeout passes or the node stops. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** How an attempt ended when it did not throw. */
export type StepOutcome =
  /** Finished: `output` is `$.steps.<id>.output` for the steps after it. */
  | { readonly kind: 'done'; readonly output: unknown }
  /** Not yet: the engine saves `state` and calls the step again (same attempt, same key) at `until` (epoch ms) or when woken. */
  | { readonly kind: 'wait'; readonly until: number | null; readonly state: Record<string, unknown>; readonly reason: string };

/**
 * One step type's work. The engine hands it the step with every reference already replaced by its
 * value. A thrown StepFailure (or any error) fails the attempt; the engine retries it by the step's
 * retry policy when the failure is retryable.
 */
export interface StepExecutor<S extends StepDefinition = StepDefinition> {
  readonly type: S['type'];
  /** Longest one call may take when the step gives no `timeoutMs`. */
  readonly defaultTimeoutMs: number;
  perform(step: S, ctx: StepContext): Promise<StepOutcome>;
}

/** A failed attempt with a stable code for the run's record; `retryable: false` skips the remaining attempts. */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}
