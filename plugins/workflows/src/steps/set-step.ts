import type { SetStep } from '../definition/types.js';
import type { StepContext, StepExecutor, StepOutcome } from './step-executor.js';

/**
 * `set`: its output is its values, references already replaced by the engine, which copies them into
 * `$.vars`. No side effect, so nothing to make idempotent and nothing that fails.
 */
export function setExecutor(): StepExecutor<SetStep> {
  return {
    type: 'set',
    defaultTimeoutMs: 5_000,
    perform(step: SetStep, _ctx: StepContext): Promise<StepOutcome> {
      return Promise.resolve({ kind: 'done', output: { ...step.values } });
    },
  };
}
