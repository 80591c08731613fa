import { createHash } from 'node:crypto';
import { MAX_IDEMPOTENCY_KEY_LENGTH, type ModuleRuntime } from '@dogan/plugin-modules';
import type { ModuleToolStep } from '../definition/types.js';
import { moduleCallRetryable } from './module-route-step.js';
import { abortable, failureFrom, unavailable } from './step-failures.js';
import type { StepContext, StepExecutor, StepOutcome } from './step-executor.js';

/**
 * `module_tool`: runs one agent tool of a module the tenant enabled, as an agent would
 * (`ModuleRuntime.runTool`): the tenant must have granted the module its `agent-tools` permission,
 * and the arguments are checked against the tool's schema before anything runs.
 *
 * Idempotency: tools store the call's key with their effect and do the effect once (the SDK's
 * contract for tools), so the attempt's key goes with the call; one longer than a tool takes is
 * replaced by its hash, the same for every resume of the attempt.
 *
 * Retries: refusals (not enabled, no such tool, not granted, invalid arguments) are 4xx and final.
 * A tool that threw (MODULE_TOOL_FAILED) and a sandbox that is restarting, busy or out of time are
 * retried: nothing tells a tool's passing failure from a lasting one, and the retry policy bounds it.
 */

/** What the step needs of the modules plugin. */
export type ModuleTools = Pick<ModuleRuntime, 'runTool'>;

/** The attempt's key as a tool takes it: itself when short enough, else a hash of it. */
export function toolCallKey(key: string): string {
  if (key.length <= MAX_IDEMPOTENCY_KEY_LENGTH) return key;
  return `workflow:${createHash('sha256').update(key).digest('hex')}`;
}

export function moduleToolExecutor(modules: () => ModuleTools | undefined): StepExecutor<ModuleToolStep> {
  return {
    type: 'module_tool',
    // A tool call may take a minute of wall clock in the sandbox (a job's limits); this leaves room for a cold host.
    defaultTimeoutMs: 90_000,
    async perform(step: ModuleToolStep, ctx: StepContext): Promise<StepOutcome> {
      const runtime = modules();
      if (!runtime) throw unavailable('module_tool', 'modules');
      try {
        const output = await abortable(ctx.signal, runtime.runTool(ctx.tenant.id, step.module, step.tool, step.arguments ?? {}, { idempotencyKey: toolCallKey(ctx.idempotencyKey) }));
        return { kind: 'done', output };
      } catch (err) {
        throw failureFrom(ctx, err, 'WORKFLOW_MODULE_CALL_FAILED', `tool ${step.tool} of module ${step.module}`, moduleCallRetryable);
      }
    },
  };
}
