import type { DoganError } from '@dogan/runtime';
import type { AgentTasksApi, AgentTaskView, NewTaskInput } from '@dogan/plugin-agents';
import type { AgentTaskStep } from '../definition/types.js';
import { abortable, failureFrom, retryableByStatus, stepFailure, unavailable } from './step-failures.js';
import { StepFailure, type StepContext, type StepExecutor, type StepOutcome } from './step-executor.js';

/**
 * `agent_task`: gives an agent a task and, unless `wait` is false, waits for it to end. The step does
 * not hold a call open while the agent works: it saves the task's id as its state and asks the engine
 * to call it again later, each time a little later (up to a cap), until the task has finished.
 *
 * Idempotency: the task is created with the attempt's key, and the agents plugin returns the first
 * task for a key it has seen; an attempt resumed after a crash, before its state was saved, finds its
 * task instead of giving the agent a second one.
 *
 * Retries: a task that ended failed, cancelled or rejected failed for reasons of its own (a budget, a
 * tool, a person's no); running it again is a decision for the definition's author, so it is final.
 * A refused creation is final too (an unknown agent, an invalid rules task), except when no agent
 * with the skills was available: one may be later. A look at the task that fails for a passing
 * reason (the tenant's database restarting) is tried again at the next look, not by a new attempt:
 * a new attempt has a new key, and would give the agent a second task.
 */

export interface AgentTaskStepOptions {
  /** First wait between looks at the task, ms; default 5000. */
  readonly pollMs?: number;
  /** Each wait is this many times the one before; default 1.5. */
  readonly pollFactor?: number;
  /** Longest wait between looks, ms; default 60000. */
  readonly maxPollMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

interface WaitState extends Record<string, unknown> {
  readonly taskId: string;
  /** Looks at the task so far: the next wait grows with it. */
  readonly polls: number;
}

/** Creation refusals worth another attempt: besides 5xx, no available agent with the skills (one may come back). */
function creationRetryable(err: DoganError): boolean {
  return err.code === 'AGENT_TASK_NO_AGENT' || retryableByStatus(err);
}

function taskInput(step: AgentTaskStep): NewTaskInput {
  return {
    title: step.title,
    ...(step.description === undefined ? {} : { description: step.description }),
    ...(step.input === undefined ? {} : { input: step.input }),
    ...(step.agent === undefined ? {} : { agentId: step.agent }),
    ...(step.skills === undefined ? {} : { skills: step.skills }),
    ...(step.mode === undefined ? {} : { mode: step.mode }),
  };
}

function stateOf(state: Record<string, unknown> | null): WaitState | undefined {
  if (!state || typeof state.taskId !== 'string') return undefined;
  return { taskId: state.taskId, polls: typeof state.polls === 'number' ? state.polls : 0 };
}

export function agentTaskExecutor(tasks: () => AgentTasksApi | undefined, options: AgentTaskStepOptions = {}): StepExecutor<AgentTaskStep> {
  const pollMs = options.pollMs ?? 5_000;
  const factor = options.pollFactor ?? 1.5;
  const maxPollMs = options.maxPollMs ?? 60_000;
  const now = options.now ?? Date.now;

  const waitFor = (taskId: string, polls: number): StepOutcome => ({
    kind: 'wait',
    until: now() + Math.min(maxPollMs, Math.round(pollMs * factor ** polls)),
    state: { taskId, polls } satisfies WaitState,
    reason: `agent task ${taskId}`,
  });

  /** A finished task's outcome: its result when completed, else the final failure with its code and reason. */
  const ended = (task: AgentTaskView): StepOutcome => {
    if (task.status === 'completed') return { kind: 'done', output: { taskId: task.id, status: task.status, result: task.result } };
    const code = task.failure?.code ?? null;
    const reason = task.failure?.reason ?? null;
    const why = [code, reason].filter((part) => part !== null).join(': ');
    throw stepFailure('WORKFLOW_AGENT_TASK_FAILED', `agent task ${task.id} ended ${task.status}${why ? `: ${why}` : ''}`, false, { taskId: task.id, status: task.status, failureCode: code, failureReason: reason });
  };

  return {
    type: 'agent_task',
    // One call creates the task or reads it: quick work, the waiting happens between calls.
    defaultTimeoutMs: 30_000,
    async perform(step: AgentTaskStep, ctx: StepContext): Promise<StepOutcome> {
      const api = tasks();
      if (!api) throw unavailable('agent_task', 'agents');
      const state = stateOf(ctx.state);
      if (!state) {
        let task: AgentTaskView;
        try {
          task = await abortable(ctx.signal, api.create(ctx.tenant.id, taskInput(step), { kind: 'workflow', id: ctx.workflowId }, ctx.idempotencyKey));
        } catch (err) {
          throw failureFrom(ctx, err, 'WORKFLOW_AGENT_TASK_REFUSED', `agent task "${step.title}"`, creationRetryable);
        }
        if (step.wait === false) return { kind: 'done', output: { taskId: task.id, status: task.status } };
        // A task found again by its key may have ended while this attempt was down.
        return task.finished ? ended(task) : waitFor(task.id, 0);
      }
      let task: AgentTaskView | undefined;
      try {
        task = await abortable(ctx.signal, api.get(ctx.tenant.id, state.taskId));
      } catch (err) {
        const failure = failureFrom(ctx, err, 'WORKFLOW_AGENT_TASK_FAILED', `agent task ${state.taskId}`);
        // Not reading the task now is no reason to give it again (a retry would): look later, same attempt.
        if (failure instanceof StepFailure && failure.retryable) {
          ctx.log.warn({ err, taskId: state.taskId }, 'agent task not read; looking again later');
          return waitFor(state.taskId, state.polls + 1);
        }
        throw failure;
      }
      if (!task) throw stepFailure('WORKFLOW_AGENT_TASK_FAILED', `agent task ${state.taskId} no longer exists`, false, { taskId: state.taskId, status: null });
      return task.finished ? ended(task) : waitFor(task.id, state.polls + 1);
    },
  };
}
