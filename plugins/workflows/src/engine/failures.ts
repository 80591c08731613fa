import { isDoganError } from '@dogan/runtime';
import { StepFailure } from '../steps/step-executor.js';

/** A step's failure as the run records it. */
export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/**
 * What a thrown error means for the step: StepFailure says itself; platform errors (DoganError) are
 * retryable when the other side may answer differently later (5xx, 429, 408); a timeout is retryable;
 * anything else is an unexpected error, retried in case it was transient.
 */
export function classify(err: unknown, timedOut: boolean): Failure {
  if (timedOut) return { code: 'WORKFLOW_STEP_TIMEOUT', message: 'the step took longer than its timeout', retryable: true };
  if (err instanceof StepFailure) return { code: err.code, message: err.message, retryable: err.retryable };
  if (isDoganError(err)) return { code: err.code, message: err.message, retryable: err.statusCode >= 500 || err.statusCode === 429 || err.statusCode === 408 };
  return { code: 'WORKFLOW_STEP_ERROR', message: (err as Error)?.message ?? String(err), retryable: true };
}

/** The run stops here: a step failed for good. */
export class RunFailed extends Error {
  constructor(
    readonly stepKey: string,
    readonly failure: Failure,
  ) {
    super(`${stepKey}: ${failure.message}`);
    this.name = 'RunFailed';
  }
}

/** This node lost its claim on the run (cancelled, or another node took it after a pause): stop without writing. */
export class ClaimLost extends Error {
  constructor() {
    super('the claim on the run was lost');
    this.name = 'ClaimLost';
  }
}
