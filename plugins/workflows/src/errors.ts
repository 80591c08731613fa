import { defineErrors } from '@dogan/runtime';

/** The workflows plugin's API errors (definition errors are in definition/definition-errors.ts). */
export const WorkflowErrors = defineErrors({
  WORKFLOW_NOT_FOUND: { status: 404, title: 'Workflow not found', message: 'No workflow "%s" for this tenant' },
  WORKFLOW_RUN_NOT_FOUND: { status: 404, title: 'Workflow run not found', message: 'No run "%s" of workflow "%s"' },
  WORKFLOW_DISABLED: { status: 409, title: 'Workflow disabled', message: 'Workflow "%s" is disabled; enable it first' },
  WORKFLOW_RUN_FINISHED: { status: 409, title: 'Run already finished', message: 'Run "%s" has already ended as %s' },
  WORKFLOW_RUN_NOT_FAILED: { status: 409, title: 'Run has not failed', message: 'Run "%s" is %s; only a failed run can be retried' },
  WORKFLOW_APPROVAL_NOT_FOUND: { status: 404, title: 'No such approval', message: 'Run "%s" has no approval waiting at step "%s"' },
  WORKFLOW_APPROVAL_DECIDED: { status: 409, title: 'Approval already decided', message: 'The approval at step "%s" was already %s' },
  WORKFLOW_INPUT_INVALID: { status: 400, title: 'Invalid run input', message: 'The run input %s' },
  WORKFLOW_NOT_MANUAL: { status: 409, title: 'Not started by hand', message: 'Workflow "%s" is started by its %s trigger; run it by hand only when its trigger is manual, or pass "force": true' },
  WORKFLOW_WEBHOOK_UNAUTHORIZED: { status: 401, title: 'Webhook not authorized', message: 'The workflow webhook secret is missing or wrong' },
  WORKFLOW_WEBHOOK_NOT_FOUND: { status: 404, title: 'Webhook not found', message: 'No enabled workflow with a webhook trigger at this address' },
  WORKFLOW_LIMIT_REACHED: { status: 409, title: 'Too many workflows', message: 'A tenant may have at most %s workflows; delete one first' },
});
