import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { pointer } from './json-pointer.js';
import {
  MAX_ATTEMPTS,
  MAX_BACKOFF_CAP_MS,
  MAX_BACKOFF_FACTOR,
  MAX_BACKOFF_MS,
  MAX_BUSINESS_DAYS,
  MAX_EMAIL_RECIPIENTS,
  MAX_FOR_EACH_ITEMS,
  MAX_TIMEOUT_MS,
  MIN_TIMEOUT_MS,
} from './limits.js';
import type { StepType, TriggerType } from './types.js';

/**
 * The shape of a definition as JSON schemas: the top level, each trigger type and each step type on its
 * own, so a problem is reported against the one schema the object claims (by its `type`) and nested
 * steps are checked one by one with their own pointer. Unknown fields are refused everywhere.
 */

export const STEP_ID_PATTERN = '^[a-z][a-z0-9_]{0,62}$';
/** Names of `$.vars`: they must read as a `.name` segment of a reference. */
export const VAR_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';

const PATTERN_HINTS: Record<string, string> = {
  [STEP_ID_PATTERN]: 'must be a lower-case letter followed by up to 62 lower-case letters, digits or underscores, e.g. "create_invoice"',
  [VAR_NAME_PATTERN]: 'must be a letter or underscore followed by up to 62 letters, digits or underscores, e.g. "invoiceTotal"',
  '^/': 'must start with "/"',
};

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });
const METHODS = { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] };
const stepList = (minItems: number) => ({ type: 'array', minItems, items: { type: 'object' } });
const object = { type: 'object' };

const retry = {
  type: 'object',
  additionalProperties: false,
  required: ['maxAttempts'],
  properties: {
    maxAttempts: { type: 'integer', minimum: 1, maximum: MAX_ATTEMPTS },
    backoffMs: { type: 'integer', minimum: 0, maximum: MAX_BACKOFF_MS },
    factor: { type: 'number', minimum: 1, maximum: MAX_BACKOFF_FACTOR },
    maxBackoffMs: { type: 'integer', minimum: 0, maximum: MAX_BACKOFF_CAP_MS },
  },
};

function step(type: StepType, required: string[], properties: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', ...required],
    properties: {
      id: { type: 'string', pattern: STEP_ID_PATTERN },
      type: { const: type },
      name: text(200),
      retry,
      timeoutMs: { type: 'integer', minimum: MIN_TIMEOUT_MS, maximum: MAX_TIMEOUT_MS },
      compensate: object,
      ...properties,
    },
  };
}

const STEP_SCHEMAS: Record<StepType, Record<string, unknown>> = {
  module_route: step('module_route', ['module', 'method', 'path'], { module: text(200), method: METHODS, path: { ...text(2000), pattern: '^/' }, query: object, body: {} }),
  module_tool: step('module_tool', ['module', 'tool'], { module: text(200), tool: text(200), arguments: object }),
  agent_task: step('agent_task', ['title'], {
    agent: text(200),
    skills: { type: 'array', minItems: 1, maxItems: 20, items: text(100) },
    title: text(500),
    description: { type: 'string', maxLength: 20_000 },
    input: object,
    mode: { enum: ['llm', 'rules'] },
    wait: { type: 'boolean' },
  }),
  erpnext: step('erpnext', ['operation', 'arguments'], { operation: { enum: ['get', 'list', 'create', 'update', 'delete', 'submit', 'cancel'] }, arguments: object }),
  email: step('email', ['to'], {
    to: { type: ['string', 'array'], minLength: 1, maxLength: 2000, minItems: 1, maxItems: MAX_EMAIL_RECIPIENTS, items: text(320) },
    template: text(200),
    locale: { enum: ['ar', 'en'] },
    data: object,
    subject: text(1000),
    text: { type: 'string', maxLength: 100_000 },
    html: { type: 'string', maxLength: 200_000 },
  }),
  http: step('http', ['method', 'url'], { method: METHODS, url: text(2000), headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 8000 } }, body: {} }),
  set: step('set', ['values'], { values: { type: 'object', maxProperties: 100, propertyNames: { pattern: VAR_NAME_PATTERN } } }),
  wait: step('wait', [], { duration: text(100), until: text(500), businessDays: { type: 'integer', minimum: 1, maximum: MAX_BUSINESS_DAYS } }),
  approval: step('approval', ['title'], { title: text(500), description: { type: 'string', maxLength: 20_000 }, expiresAfter: text(100) }),
  condition: step('condition', ['if', 'then'], { if: object, then: stepList(1), else: stepList(1) }),
  for_each: step('for_each', ['items', 'steps'], { items: text(500), steps: stepList(1), maxItems: { type: 'integer', minimum: 1, maximum: MAX_FOR_EACH_ITEMS } }),
};

const TRIGGER_SCHEMAS: Record<TriggerType, Record<string, unknown>> = {
  event: { type: 'object', additionalProperties: false, required: ['type', 'event'], properties: { type: { const: 'event' }, event: text(200), filter: object } },
  schedule: { type: 'object', additionalProperties: false, required: ['type', 'cron'], properties: { type: { const: 'schedule' }, cron: text(200), timeZone: text(100) } },
  webhook: { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'webhook' } } },
  manual: { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'manual' } } },
};

const DEFINITION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'trigger', 'steps'],
  properties: { name: text(200), description: { type: 'string', maxLength: 5000 }, trigger: object, steps: stepList(1), inputSchema: object },
};

/** What is wrong with a value, relative to the value validated: a JSON pointer and a phrase. */
export interface ShapeProblem {
  readonly path: string;
  readonly message: string;
}

const TYPE_WORDS: Record<string, string> = { string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false', object: 'an object', array: 'an array' };

function describe(error: ErrorObject, label: string): ShapeProblem {
  const path = error.instancePath;
  const fields = () => Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}).join(', ');
  switch (error.keyword) {
    case 'required':
      return { path: pointer(path, String(error.params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { path: pointer(path, String(error.params.additionalProperty)), message: `is not a field of ${path === '' ? label : 'this object'}; the fields are: ${fields()}` };
    case 'type': {
      const types = ([] as string[]).concat(error.params.type as string | string[]);
      return { path, message: `must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}` };
    }
    case 'enum':
      return { path, message: `must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
      return { path, message: PATTERN_HINTS[String(error.params.pattern)] ?? `must match ${String(error.params.pattern)}` };
    case 'propertyNames':
      return { path: pointer(path, String(error.params.propertyName)), message: 'is not a valid name' };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

let compiled: { ajv: Ajv; definition: ValidateFunction; steps: Map<StepType, ValidateFunction>; triggers: Map<TriggerType, ValidateFunction> } | undefined;

/** Validators made on first use, so importing the plugin compiles nothing. */
function validators(): NonNullable<typeof compiled> {
  if (!compiled) {
    // verbose: an unknown-field error then carries its schema, whose properties are the fields accepted.
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, verbose: true });
    compiled = {
      ajv,
      definition: ajv.compile(DEFINITION_SCHEMA),
      steps: new Map(Object.entries(STEP_SCHEMAS).map(([type, schema]) => [type as StepType, ajv.compile(schema)])),
      triggers: new Map(Object.entries(TRIGGER_SCHEMAS).map(([type, schema]) => [type as TriggerType, ajv.compile(schema)])),
    };
  }
  return compiled;
}

function problemOf(validate: ValidateFunction, value: unknown, label: string): ShapeProblem | undefined {
  if (validate(value)) return undefined;
  const errors = validate.errors ?? [];
  // A pattern failing inside propertyNames is reported twice; the propertyNames error names the key.
  const error = errors.find((e) => e.keyword === 'propertyNames') ?? errors[0];
  return error ? describe(error, label) : { path: '', message: 'is invalid' };
}

/** The first shape problem of the definition's top level (not its trigger's or steps' insides). */
export function definitionShapeProblem(value: unknown): ShapeProblem | undefined {
  return problemOf(validators().definition, value, 'a workflow definition');
}

export function stepShapeProblem(type: StepType, value: unknown): ShapeProblem | undefined {
  return problemOf(validators().steps.get(type)!, value, `a ${type} step`);
}

export function triggerShapeProblem(type: TriggerType, value: unknown): ShapeProblem | undefined {
  return problemOf(validators().triggers.get(type)!, value, `a ${type} trigger`);
}

/** Why `schema` is not a JSON schema, or undefined (checked against the meta-schema, never compiled). */
export function jsonSchemaProblem(schema: unknown): string | undefined {
  const { ajv } = validators();
  try {
    if (ajv.validateSchema(schema as object)) return undefined;
  } catch (err) {
    // An unknown `$schema` is refused by a throw rather than a result.
    return (err as Error).message;
  }
  return ajv.errorsText(ajv.errors, { dataVar: 'inputSchema' });
}
