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
  const started: Array<Step<C>> = [];
  for (const step of steps) {
    started.push(step);
    try {
      await step.invoke(context);
    } catch (cause) {
      const compensationFailures: Array<{ step: string; error: unknown }> = [];
      for (const done of started.reverse()) {
        try {
          await done.compensate?.(context);
        } catch (error) {
          compensationFailures.push({ step: done.name, error });
        }
      }
      throw new StepFailedError(step.name, cause, compensationFailures);
    }
  }
}
