import { defineErrors } from '@dogan/runtime';

/** Errors of the task API; codes are stable for clients and tests. */
export const TaskErrors = defineErrors({
  AGENT_TASK_NOT_FOUND: { status: 404, title: 'Task not found', message: 'No agent task "%s" for this tenant' },
  AGENT_TASK_INVALID: { status: 400, title: 'Invalid task', message: 'The task %s' },
  AGENT_TASK_FINISHED: { status: 409, title: 'Task finished', message: 'Task "%s" is %s already; nothing can change it now' },
  AGENT_TASK_NO_AGENT: { status: 409, title: 'No agent for the task', message: 'No available agent has the skills %s; add an agent with them, or name one with agentId' },
  AGENT_TASK_AGENT_UNKNOWN: { status: 404, title: 'Agent not found', message: 'No agent "%s" for this tenant' },
  AGENT_APPROVAL_NOT_FOUND: { status: 404, title: 'Approval not found', message: 'No pending approval "%s" on task "%s"' },
  AGENT_APPROVAL_DECIDED: { status: 409, title: 'Approval decided', message: 'Approval "%s" was %s already' },
});

/**
 * Why a task ended as failed (its `failureCode`): each names the guard or the part that stopped it, so
 * a person reading the task knows what to change (a budget, a step cap, a tool, a provider key).
 */
export const FAILURE = {
  STEP_LIMIT: 'TASK_STEP_LIMIT',
  TOKEN_BUDGET: 'TASK_TOKEN_BUDGET',
  COST_BUDGET: 'TASK_COST_BUDGET',
  TENANT_DAILY_BUDGET: 'TENANT_DAILY_COST_BUDGET',
  TIME_LIMIT: 'TASK_TIME_LIMIT',
  LOOP: 'TASK_LOOP_DETECTED',
  AGENT_MISSING: 'TASK_AGENT_MISSING',
  MODEL_FAILED: 'TASK_MODEL_FAILED',
  RULES_INVALID: 'TASK_RULES_INVALID',
  SUBTASK_FAILED: 'TASK_SUBTASK_FAILED',
} as const;
