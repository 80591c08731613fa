import { DateTime, Duration } from 'luxon';
import { WorkflowDefinitionErrors as E } from './definition-errors.js';
import { checkFilter } from './filter.js';
import { pointer } from './json-pointer.js';
import { isWholeReference, parseReference } from './references.js';
import { EMAIL_RECIPIENT_ALIASES, type AgentTaskStep, type EmailStep, type ErpnextStep, type ForEachStep, type HttpStep, type StepDefinition, type WaitStep } from './types.js';

/**
 * What a step's schema cannot say: fields that go together or exclude each other, and literals that
 * must parse (durations, dates, URLs, addresses). A string holding a reference is checked when it is
 * resolved, by the step that uses it, not here.
 */

function invalid(path: string, message: string): Error {
  return E.WORKFLOW_DEFINITION_INVALID.with({ path }, path, message);
}

function holdsReference(value: string): boolean {
  return isWholeReference(value) || /\{\{\s*\$[.[]/.test(value);
}

/** An ISO 8601 duration longer than zero (`PT2H`, `P1D`); throws WORKFLOW_DURATION_INVALID. */
export function checkDuration(value: string, path: string): void {
  const duration = Duration.fromISO(value);
  if (!duration.isValid || !(duration.toMillis() > 0)) throw E.WORKFLOW_DURATION_INVALID.with({ path }, value, path);
}

const EMAIL_ADDRESS = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;

function checkEmail(step: EmailStep, path: string): void {
  const recipients = typeof step.to === 'string' ? [step.to] : step.to;
  recipients.forEach((to, i) => {
    if (holdsReference(to) || EMAIL_ADDRESS.test(to) || EMAIL_RECIPIENT_ALIASES.includes(to)) return;
    throw invalid(typeof step.to === 'string' ? pointer(path, 'to') : pointer(path, 'to', i), `"${to}" is not an email address, a reference or one of: ${EMAIL_RECIPIENT_ALIASES.join(', ')}`);
  });
  if (step.template !== undefined) {
    const extra = (['subject', 'text', 'html'] as const).find((f) => step[f] !== undefined);
    if (extra) throw invalid(pointer(path, extra), 'cannot go with template: give a template (with data), or a subject with text or html, not both');
    return;
  }
  if (step.subject === undefined) throw invalid(pointer(path, 'subject'), 'is required: an email step takes a template (with data), or a subject with text or html');
  if (step.text === undefined && step.html === undefined) throw invalid(pointer(path, 'text'), 'is required: an email with a subject needs text, html or both');
  const templateOnly = (['data', 'locale'] as const).find((f) => step[f] !== undefined);
  if (templateOnly) throw invalid(pointer(path, templateOnly), 'goes only with template; write the values into the subject and text with {{$.path}}');
}

function checkWait(step: WaitStep, path: string): void {
  const given = (['duration', 'until', 'businessDays'] as const).filter((f) => step[f] !== undefined);
  if (given.length !== 1) {
    throw invalid(given.length ? pointer(path, given[1]!) : path, `a wait step takes exactly one of duration, until and businessDays; it has ${given.length ? given.join(' and ') : 'none'}`);
  }
  if (step.duration !== undefined) checkDuration(step.duration, pointer(path, 'duration'));
  if (step.until !== undefined && !holdsReference(step.until) && !DateTime.fromISO(step.until, { setZone: true }).isValid) {
    throw invalid(pointer(path, 'until'), `"${step.until}" is neither an ISO 8601 date and time (such as 2026-05-01T09:00:00+03:00) nor a reference`);
  }
}

function checkAgentTask(step: AgentTaskStep, path: string): void {
  if (step.agent !== undefined && step.skills !== undefined) throw invalid(pointer(path, 'skills'), 'cannot go with agent: name the agent, or the skills to choose one by, not both');
  if (step.mode === 'rules' && typeof step.input?.tool !== 'string') throw invalid(pointer(path, 'input', 'tool'), 'is required in rules mode: the name of the tool the agent runs (its arguments in input.arguments)');
}

/** The arguments each ERPNext operation needs besides `doctype` (the ERPNext plugin's document operations). */
const ERPNEXT_ARGUMENTS: Record<ErpnextStep['operation'], readonly string[]> = {
  get: ['name'],
  list: [],
  create: ['doc'],
  update: ['name', 'patch'],
  delete: ['name'],
  submit: ['name'],
  cancel: ['name'],
};

function checkErpnext(step: ErpnextStep, path: string): void {
  for (const field of ['doctype', ...ERPNEXT_ARGUMENTS[step.operation]]) {
    if (step.arguments[field] === undefined) throw invalid(pointer(path, 'arguments', field), `is required for the ${step.operation} operation`);
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$/;

function checkHttp(step: HttpStep, path: string): void {
  if (!holdsReference(step.url)) {
    let url: URL | undefined;
    try {
      url = new URL(step.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
      throw invalid(pointer(path, 'url'), `"${step.url}" is not an absolute http:// or https:// URL without credentials`);
    }
  }
  for (const name of Object.keys(step.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw invalid(pointer(path, 'headers', name), 'is not an HTTP header name');
  }
}

function checkForEach(step: ForEachStep, path: string): void {
  const at = pointer(path, 'items');
  if (!isWholeReference(step.items)) throw invalid(at, `"${step.items}" is not a reference; give the array to go through, such as $.steps.list_orders.output`);
  parseReference(step.items, at);
}

/** The rules of one step beyond its shape; throws the first problem with its pointer. */
export function checkStepRules(step: StepDefinition, path: string): void {
  switch (step.type) {
    case 'email':
      return checkEmail(step, path);
    case 'wait':
      return checkWait(step, path);
    case 'approval':
      if (step.expiresAfter !== undefined) checkDuration(step.expiresAfter, pointer(path, 'expiresAfter'));
      return;
    case 'agent_task':
      return checkAgentTask(step, path);
    case 'erpnext':
      return checkErpnext(step, path);
    case 'http':
      return checkHttp(step, path);
    case 'for_each':
      return checkForEach(step, path);
    case 'condition':
      return checkFilter(step.if, pointer(path, 'if'));
    default:
      return;
  }
}
