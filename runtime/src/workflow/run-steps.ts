/**
 * Named steps with a compensating action each, in the manner of Medusa's workflow steps: when a step
 * fails, the steps that succeeded are undone in reverse order, so an operation either completes or
 * leaves nothing behind. Used by provisioning, module install and upgrade.
 */
export interface Step<C> {
  readonly name: string;
  invoke(context: C): Promise<void>;
  /** Undoes `invoke`; must tolerate a partly done invoke (it runs for the failed step too). */
  compensate?(context: C): Promise<void>;
}

export class StepFailedError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
    /** Compensations that themselves failed: what may be left behind, for the operator. */
    readonly compensationFailures: Array<{ step: string; error: unknown }>,
  ) {
    super(`step "${step}" failed: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'StepFailedError';
  }
}

export function createStep<C>(name: string, invoke: Step<C>['invoke'], compensate?: Step<C>['compensate']): Step<C> {
  return { name, invoke, compensate };
}

/** Runs steps in order; on failure compensates the failed step and every earlier one, newest first. */
export async function runSteps<C>(steps: ReadonlyArray<Step<C>>, context: C): Promise<void> {
  for (const [index, step] of steps.entries()) {
    try {
      await step.invoke(context);
    } catch (cause) {
      throw new StepFailedError(step.name, cause, await compensateThrough(steps, index, context));
    }
  }
}

/**
 * Compensates `lastStarted` and every step before it, newest first, and returns the compensations
 * that failed (the others still run): for a run whose process died, with the last step it recorded
 * as started.
 */
export async function compensateSteps<C>(steps: ReadonlyArray<Step<C>>, lastStarted: string, context: C): Promise<Array<{ step: string; error: unknown }>> {
  const reached = steps.findIndex((s) => s.name === lastStarted);
  if (reached < 0) throw new Error(`no step named "${lastStarted}"`);
  return compensateThrough(steps, reached, context);
}

async function compensateThrough<C>(steps: ReadonlyArray<Step<C>>, last: number, context: C): Promise<Array<{ step: string; error: unknown }>> {
  const failures: Array<{ step: string; error: unknown }> = [];
  for (const done of steps.slice(0, last + 1).reverse()) {
    try {
      await done.compensate?.(context);
    } catch (error) {
      failures.push({ step: done.name, error });
    }
  }
  return failures;
}
