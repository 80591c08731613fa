import { cronNeverFires, DEFAULT_TIME_ZONE, isTimeZone, zonedCron } from './cron-schedule.js';
import { WorkflowDefinitionErrors as E } from './definition-errors.js';
import { definitionShapeProblem, jsonSchemaProblem, stepShapeProblem, triggerShapeProblem, type ShapeProblem } from './definition-schema.js';
import { isEventPattern } from './event-pattern.js';
import { checkFilter } from './filter.js';
import { pointer, showPointer } from './json-pointer.js';
import { CRON_HORIZON_YEARS, MAX_DEFINITION_BYTES, MAX_DEPTH, MAX_STEPS } from './limits.js';
import { checkReferences, findReferences, parseReference } from './references.js';
import { checkStepRules } from './step-rules.js';
import { STEP_TYPES, TRIGGER_TYPES, type ActionStep, type StepDefinition, type StepType, type TriggerDefinition, type WorkflowDefinition } from './types.js';

export interface ValidateOptions {
  /** From when a schedule must fire within 8 years (default: now); tests pass a fixed date. */
  readonly now?: Date;
}

const ACTION_TYPES: ReadonlySet<string> = new Set<ActionStep['type']>(['module_route', 'module_tool', 'agent_task', 'erpnext', 'email', 'http', 'set']);
const STEP_TYPE_SET: ReadonlySet<string> = new Set(STEP_TYPES);
/** What an event trigger's filter paths read: the fields of a platform event. */
const EVENT_FIELDS: ReadonlySet<string> = new Set(['id', 'type', 'version', 'tenantId', 'occurredAt', 'payload']);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function throwShape(problem: ShapeProblem | undefined, base: string): void {
  if (!problem) return;
  const path = base + problem.path;
  throw E.WORKFLOW_DEFINITION_INVALID.with({ path }, showPointer(path), problem.message);
}

function checkEventTrigger(trigger: Extract<TriggerDefinition, { type: 'event' }>): void {
  if (!isEventPattern(trigger.event)) throw E.WORKFLOW_EVENT_PATTERN_INVALID.with({ path: '/trigger/event' }, trigger.event, '/trigger/event');
  if (trigger.filter === undefined) return;
  checkFilter(trigger.filter, '/trigger/filter');
  const paths = Object.keys(trigger.filter).map((key) => ({ path: pointer('/trigger/filter', key), reference: parseReference(key) }));
  for (const { path, reference } of [...paths, ...findReferences(trigger.filter, '/trigger/filter')]) {
    const root = reference.segments[0];
    if (typeof root !== 'string' || !EVENT_FIELDS.has(root)) {
      throw E.WORKFLOW_REFERENCE_INVALID.with(
        { path, reference: reference.text },
        JSON.stringify(reference.text),
        path,
        `reads "${String(root)}", which an event does not have; a trigger's filter reads the event: $.type, $.payload..., $.occurredAt`,
      );
    }
  }
}

function checkTrigger(trigger: Record<string, unknown>, now: Date): void {
  if (!TRIGGER_TYPES.includes(trigger.type as never)) {
    throw E.WORKFLOW_DEFINITION_INVALID.with({ path: '/trigger/type' }, '/trigger/type', `must be one of: ${TRIGGER_TYPES.join(', ')}`);
  }
  throwShape(triggerShapeProblem(trigger.type as TriggerDefinition['type'], trigger), '/trigger');
  const typed = trigger as unknown as TriggerDefinition;
  if (typed.type === 'event') checkEventTrigger(typed);
  if (typed.type === 'schedule') {
    zonedCron(typed.cron, DEFAULT_TIME_ZONE, '/trigger/cron');
    if (typed.timeZone !== undefined && !isTimeZone(typed.timeZone)) throw E.WORKFLOW_TIMEZONE_INVALID.with({ path: '/trigger/timeZone' }, typed.timeZone, '/trigger/timeZone');
    const zone = typed.timeZone ?? DEFAULT_TIME_ZONE;
    if (cronNeverFires(typed.cron, zone, now)) throw E.WORKFLOW_CRON_NEVER_FIRES.with({ path: '/trigger/cron' }, typed.cron, '/trigger/cron', CRON_HORIZON_YEARS);
  }
}

/** The walk over the steps: how many there are so far, and where each id was first seen. */
interface Walk {
  count: number;
  readonly ids: Map<string, string>;
}

function checkStepType(step: Record<string, unknown>, path: string, compensation: boolean): StepType {
  const type = step.type;
  if (typeof type !== 'string') throw E.WORKFLOW_DEFINITION_INVALID.with({ path: pointer(path, 'type') }, pointer(path, 'type'), `is required: one of ${STEP_TYPES.join(', ')}`);
  if (!STEP_TYPE_SET.has(type)) throw E.WORKFLOW_STEP_TYPE_UNKNOWN.with({ path: pointer(path, 'type'), type, known: STEP_TYPES }, type, pointer(path, 'type'), STEP_TYPES.join(', '));
  if (compensation && !ACTION_TYPES.has(type)) {
    throw E.WORKFLOW_DEFINITION_INVALID.with({ path: pointer(path, 'type') }, pointer(path, 'type'), `is "${type}"; a compensation is an action step: ${[...ACTION_TYPES].join(', ')}`);
  }
  return type as StepType;
}

function checkStep(step: Record<string, unknown>, path: string, depth: number, walk: Walk, compensation: boolean): void {
  const type = checkStepType(step, path, compensation);
  if (++walk.count > MAX_STEPS) throw E.WORKFLOW_TOO_LARGE.with({ path, limit: MAX_STEPS }, `has more than ${MAX_STEPS} steps (nested and compensation steps count; step ${MAX_STEPS + 1} is at ${path})`, MAX_STEPS);
  if (depth > MAX_DEPTH) throw E.WORKFLOW_TOO_LARGE.with({ path, limit: MAX_DEPTH }, `nests steps ${depth} levels deep at ${path}`, MAX_DEPTH);
  throwShape(stepShapeProblem(type, step), path);
  const typed = step as unknown as StepDefinition;
  const first = walk.ids.get(typed.id);
  if (first !== undefined) throw E.WORKFLOW_STEP_ID_DUPLICATE.with({ path: pointer(path, 'id'), id: typed.id, firstPath: first }, typed.id, pointer(path, 'id'), first);
  walk.ids.set(typed.id, pointer(path, 'id'));
  checkStepRules(typed, path);
  if (typed.compensate) {
    const at = pointer(path, 'compensate');
    if (compensation) throw E.WORKFLOW_DEFINITION_INVALID.with({ path: at }, at, 'a compensation step has no compensation of its own');
    checkStep(typed.compensate as unknown as Record<string, unknown>, at, depth, walk, true);
  }
  if (typed.type === 'condition') {
    checkSteps(typed.then, pointer(path, 'then'), depth + 1, walk);
    if (typed.else) checkSteps(typed.else, pointer(path, 'else'), depth + 1, walk);
  }
  if (typed.type === 'for_each') checkSteps(typed.steps, pointer(path, 'steps'), depth + 1, walk);
}

function checkSteps(steps: readonly unknown[], path: string, depth: number, walk: Walk): void {
  steps.forEach((step, i) => checkStep(step as Record<string, unknown>, pointer(path, i), depth, walk, false));
}

/**
 * Checks a workflow definition as a tenant saves it and returns it as plain JSON (a copy: what the
 * caller holds afterwards cannot change it). In order: the size, the top level, the trigger (event
 * pattern and filter; cron, time zone and that the schedule fires), each step in document order (type,
 * the step limits, its fields, a unique id, the rules of its type, its compensation, its nested steps),
 * then every reference against the scope rules. Throws the first problem as a DoganError of
 * WorkflowDefinitionErrors, with `path` (a JSON pointer) as an extension.
 */
export function validateDefinition(input: unknown, options: ValidateOptions = {}): WorkflowDefinition {
  if (!isObject(input)) throw E.WORKFLOW_DEFINITION_INVALID.with({ path: '' }, showPointer(''), 'must be a JSON object with name, trigger and steps');
  let json: string;
  try {
    json = JSON.stringify(input);
  } catch (err) {
    throw E.WORKFLOW_DEFINITION_INVALID.with({ path: '' }, showPointer(''), `is not JSON: ${(err as Error).message}`);
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_DEFINITION_BYTES) throw E.WORKFLOW_TOO_LARGE.with({ path: '', limit: MAX_DEFINITION_BYTES }, `is ${bytes} bytes as JSON`, `${MAX_DEFINITION_BYTES} bytes`);
  const definition = JSON.parse(json) as Record<string, unknown>;
  throwShape(definitionShapeProblem(definition), '');
  checkTrigger(definition.trigger as Record<string, unknown>, options.now ?? new Date());
  if (definition.inputSchema !== undefined) {
    const problem = jsonSchemaProblem(definition.inputSchema);
    if (problem) throw E.WORKFLOW_DEFINITION_INVALID.with({ path: '/inputSchema' }, '/inputSchema', `is not a JSON schema: ${problem}`);
  }
  checkSteps(definition.steps as unknown[], '/steps', 1, { count: 0, ids: new Map() });
  const valid = definition as unknown as WorkflowDefinition;
  checkReferences(valid);
  return valid;
}
