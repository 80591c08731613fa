import { defineErrors } from '@dogan/runtime';

/**
 * Why a workflow definition cannot be saved. Codes are stable for clients and tests; every error carries
 * `path`, a JSON pointer to what is wrong (`/steps/2/then/0/to`, `''` for the whole definition), as a
 * problem extension, and names it in its detail too. Some add more members: `type` and `known` (an
 * unknown step type), `id` and `firstPath` (a duplicate id), `reference` and `step` (reference errors).
 *
 * Status 400 throughout, as for every other request body the platform refuses (the repository keeps 422
 * for module bundles and for what an upstream system refused).
 */
export const WorkflowDefinitionErrors = defineErrors({
  WORKFLOW_DEFINITION_INVALID: { status: 400, title: 'Invalid workflow definition', message: 'The workflow definition is invalid at %s: %s' },
  WORKFLOW_TOO_LARGE: { status: 400, title: 'Workflow too large', message: 'The workflow %s; the limit is %s. Split it into several workflows' },
  WORKFLOW_STEP_TYPE_UNKNOWN: { status: 400, title: 'Unknown step type', message: 'Step type "%s" at %s does not exist; use one of: %s' },
  WORKFLOW_STEP_ID_DUPLICATE: {
    status: 400,
    title: 'Duplicate step id',
    message: 'Step id "%s" at %s is already the id of the step at %s; give every step, nested and compensation steps included, an id of its own',
  },
  WORKFLOW_REFERENCE_INVALID: {
    status: 400,
    title: 'Invalid reference',
    message: "The reference %s at %s %s. Write $.root.field, $.list[0] or $.map['key with spaces'], as a whole string or as {{$.path}} inside text",
  },
  WORKFLOW_REFERENCE_UNKNOWN: { status: 400, title: 'Reference to an unknown step', message: 'Step "%s" reads %s (at %s), but this workflow has no step "%s"' },
  WORKFLOW_REFERENCE_CYCLE: {
    status: 400,
    title: 'Reference to a step that runs later',
    message: 'Step "%s" reads %s (at %s), but %s: a step can read only the output of steps that finish before it starts',
  },
  WORKFLOW_REFERENCE_OUT_OF_SCOPE: { status: 400, title: 'Reference out of scope', message: 'Step "%s" reads %s (at %s), but %s' },
  WORKFLOW_CRON_INVALID: {
    status: 400,
    title: 'Invalid cron expression',
    message: 'The cron expression "%s" at %s is invalid: %s. Give five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 0-4"',
  },
  WORKFLOW_CRON_NEVER_FIRES: {
    status: 400,
    title: 'Cron expression never fires',
    message: 'The cron expression "%s" at %s matches no time in the next %s years (a day such as 30 February); check its day and month fields',
  },
  WORKFLOW_TIMEZONE_INVALID: { status: 400, title: 'Unknown time zone', message: 'Time zone "%s" at %s is not an IANA time zone; use one such as Asia/Riyadh or Europe/London' },
  WORKFLOW_DURATION_INVALID: {
    status: 400,
    title: 'Invalid duration',
    message: 'The duration "%s" at %s is not an ISO 8601 duration longer than zero; write e.g. PT30M (30 minutes), PT2H (two hours) or P1D (one day)',
  },
  WORKFLOW_EVENT_PATTERN_INVALID: {
    status: 400,
    title: 'Invalid event pattern',
    message: 'Event "%s" at %s is neither an event type nor a pattern: give lower-case dotted words such as "erpnext.sales_invoice.submitted", or a prefix and ".*" such as "erpnext.*"',
  },
  WORKFLOW_FILTER_INVALID: {
    status: 400,
    title: 'Invalid filter',
    message: 'The filter at %s %s. A condition is a literal (equal to it) or an object of operators: %s',
  },
});

export type WorkflowDefinitionErrorCode = keyof typeof WorkflowDefinitionErrors;
