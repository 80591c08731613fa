import t from 'tap';
import { DoganError } from '@dogan/runtime';
import {
  MAX_DEFINITION_BYTES,
  MAX_DEPTH,
  MAX_STEPS,
  STEP_TYPES,
  validateDefinition,
  WorkflowDefinitionErrors,
  type WorkflowDefinition,
} from '../../plugins/workflows/src/definition/index.js';

// Schedules must fire within 8 years of this date; a fixed one keeps the suite the same every day.
const now = new Date('2026-03-01T00:00:00Z');
const manual = { type: 'manual' };
const setStep = (id: string, values: Record<string, unknown> = { done: true }) => ({ id, type: 'set', values });
const def = (steps: unknown[], trigger: unknown = manual, extra: Record<string, unknown> = {}) => ({ name: 'Test', trigger, steps, ...extra });

function problem(input: unknown): DoganError {
  try {
    validateDefinition(input, { now });
  } catch (err) {
    if (err instanceof DoganError) return err;
    throw err;
  }
  throw new Error('the definition was accepted');
}

t.test('every definition error code is unique, named after itself, a 400 with a title', async (t) => {
  const codes = Object.keys(WorkflowDefinitionErrors);
  t.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    const factory = WorkflowDefinitionErrors[code as keyof typeof WorkflowDefinitionErrors];
    t.equal(factory.code, code);
    t.equal(factory.spec.status, 400, code);
    t.ok(factory.spec.title.length > 0, code);
  }
});

/** A workflow with every step type, read by an invoice event: what a tenant would build. */
const invoiceFlow = {
  name: 'Invoice follow-up',
  description: 'Chases unpaid invoices',
  trigger: { type: 'event', event: 'erpnext.sales_invoice.submitted', filter: { '$.payload.doc.grand_total': { gte: 1000, lt: 1_000_000 }, '$.payload.doc.status': { in: ['Unpaid', 'Overdue'] } } },
  steps: [
    { id: 'invoice', type: 'erpnext', operation: 'get', arguments: { doctype: 'Sales Invoice', name: '$.trigger.event.payload.doc.name' }, retry: { maxAttempts: 3, backoffMs: 1000, factor: 2, maxBackoffMs: 10_000 }, timeoutMs: 30_000 },
    {
      id: 'record',
      type: 'module_route',
      module: 'acme.collections',
      method: 'POST',
      path: '/cases/{{$.steps.invoice.output.name}}',
      query: { source: 'workflow' },
      body: { invoice: '$.steps.invoice.output' },
      compensate: { id: 'unrecord', type: 'module_route', module: 'acme.collections', method: 'DELETE', path: '/cases/{{$.steps.record.output.id}}' },
    },
    { id: 'score', type: 'module_tool', module: 'acme.collections', tool: 'score_customer', arguments: { customer: '$.steps.invoice.output.customer' } },
    { id: 'remember', type: 'set', values: { customer: '$.steps.invoice.output.customer', total: '$.steps.invoice.output.grand_total' } },
    {
      id: 'risky',
      type: 'condition',
      if: { '$.steps.score.output.risk': { gt: 0.7 }, '$.vars.total': { gte: '$.trigger.event.payload.doc.grand_total' } },
      then: [
        { id: 'ask_manager', type: 'approval', title: 'Chase {{$.vars.customer}}?', description: 'Risk {{$.steps.score.output.risk}}', expiresAfter: 'P2D' },
        { id: 'agent_chase', type: 'agent_task', skills: ['collections'], title: 'Call {{$.vars.customer}}', input: { invoice: '$.steps.invoice.output.name' }, mode: 'llm', wait: true },
      ],
      else: [
        { id: 'notify', type: 'email', to: ['finance@example.com', '$.steps.invoice.output.contact_email', 'billing-contact'], template: 'invoice_reminder', locale: 'ar', data: { invoice: '$.steps.invoice.output' } },
        { id: 'grace', type: 'wait', duration: 'PT2H' },
      ],
    },
    { id: 'pause', type: 'wait', businessDays: 3 },
    { id: 'until_due', type: 'wait', until: '$.steps.invoice.output.due_date' },
    { id: 'fixed_date', type: 'wait', until: '2026-05-01T09:00:00+03:00' },
    { id: 'lines', type: 'erpnext', operation: 'list', arguments: { doctype: 'Sales Invoice Item', query: { filters: { parent: '$.steps.invoice.output.name' } } } },
    {
      id: 'each_line',
      type: 'for_each',
      items: '$.steps.lines.output',
      maxItems: 200,
      steps: [
        { id: 'check_stock', type: 'http', method: 'POST', url: 'https://stock.example.com/check', headers: { 'X-Line': '{{$.index}}' }, body: { item: '$.item.item_code', invoice: '$.steps.invoice.output.name' } },
        { id: 'mail_line', type: 'email', to: '{{$.vars.customer}}@example.com', subject: 'Line {{$.index}}', text: 'Stock: {{$.steps.check_stock.output.available}}' },
      ],
    },
    { id: 'summary', type: 'agent_task', agent: 'agent-1', title: 'Summarise', input: { lines: '$.steps.each_line.output', branch: '$.steps.risky.output', run: '$.run.id' }, mode: 'rules', wait: false },
    { id: 'rules_task', type: 'agent_task', title: 'File it', mode: 'rules', input: { tool: 'file_invoice', arguments: {} } },
  ],
  inputSchema: { type: 'object', properties: { note: { type: 'string' } } },
};

t.test('a definition with every step type passes and comes back as an equal copy', async (t) => {
  // The summary task in rules mode names its tool; the one above it is llm: fix it for the rule.
  const input = structuredClone(invoiceFlow);
  (input.steps[10] as { input: Record<string, unknown> }).input.tool = 'summarise';
  const out = validateDefinition(input, { now });
  t.same(out, input);
  t.not(out, input, 'a copy, not the object given');
  const used = new Set<string>();
  const walk = (steps: readonly { type: string; then?: unknown[]; else?: unknown[]; steps?: unknown[] }[]) => {
    for (const s of steps) {
      used.add(s.type);
      for (const inner of [s.then, s.else, s.steps]) if (inner) walk(inner as never);
    }
  };
  walk(out.steps as never);
  t.same([...STEP_TYPES].filter((type) => !used.has(type)), [], 'every step type is in it');
});

t.test('every trigger type passes', async (t) => {
  const steps = [setStep('a')];
  const triggers = [
    { type: 'event', event: 'tenant.created' },
    { type: 'event', event: 'erpnext.*' },
    { type: 'event', event: 'dogan.notes.note_created', filter: { '$.type': 'dogan.notes.note_created' } },
    { type: 'schedule', cron: '0 9 * * 0-4' },
    { type: 'schedule', cron: '*/15 8-17 * * *', timeZone: 'Europe/Berlin' },
    { type: 'schedule', cron: '0 0 29 2 *', timeZone: 'UTC' },
    { type: 'webhook' },
    { type: 'manual' },
  ];
  for (const trigger of triggers) t.same(validateDefinition(def(steps, trigger), { now }).trigger, trigger, JSON.stringify(trigger));
});

t.test('the scope rules allow what has finished before on every path', async (t) => {
  const ok = (steps: unknown[], why: string) => t.doesNotThrow(() => validateDefinition(def(steps), { now }), why);
  ok([setStep('a'), { id: 'c', type: 'condition', if: { '$.steps.a.output': { exists: true } }, then: [setStep('b', { x: '$.steps.a.output' })] }], 'an inner step reads an earlier sibling of its container');
  ok(
    [{ id: 'outer', type: 'for_each', items: '$.trigger.input.rows', steps: [setStep('x', { v: '$.item' }), { id: 'inner', type: 'for_each', items: '$.item.parts', steps: [setStep('y', { v: '$.steps.x.output', i: '$.index' })] }] }],
    'a nested loop reads an earlier step of the outer iteration',
  );
  ok([{ id: 'c', type: 'condition', if: { '$.trigger.input.go': true }, then: [setStep('b')], else: [setStep('e')] }, setStep('after', { branch: '$.steps.c.output' })], 'a step after a condition reads its output');
  ok([{ id: 'a', type: 'http', method: 'POST', url: 'https://x.example.com', compensate: { id: 'undo_a', type: 'http', method: 'DELETE', url: 'https://x.example.com/{{$.steps.a.output.id}}' } }], 'a compensation reads its step');
  ok(
    [setStep('first'), { id: 'loop', type: 'for_each', items: '$.steps.first.output', steps: [{ ...setStep('b'), compensate: setStep('undo_b', { mine: '$.steps.b.output', before: '$.steps.first.output', v: '$.vars.x' }) }] }],
    "a loop step's compensation reads its step and what came before the loop",
  );
  ok([setStep('a', { v: 'price: $5' }), setStep('b', { v: '{{name}} and {{ $.vars.v }}' })], 'text with $ or {{ but no reference');
});

interface Case {
  readonly code: keyof typeof WorkflowDefinitionErrors;
  readonly path: string;
  readonly why: string;
  readonly input: unknown;
  /** Words the detail must hold. */
  readonly says?: string;
}

const big = 'x'.repeat(MAX_DEFINITION_BYTES);
const deep = (depth: number): unknown => (depth === 1 ? setStep('leaf') : { id: `level_${depth}`, type: 'condition', if: { '$.trigger.input.x': true }, then: [deep(depth - 1)] });

const cases: Case[] = [
  // Shape
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '', why: 'not an object', input: [1, 2] },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/name', why: 'no name', input: { trigger: manual, steps: [setStep('a')] } },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/owner', why: 'unknown top-level field', input: def([setStep('a')], manual, { owner: 'me' }), says: 'the fields are: name, description, trigger, steps, inputSchema' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps', why: 'no steps', input: def([]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/trigger/type', why: 'unknown trigger type', input: def([setStep('a')], { type: 'cron' }), says: 'event, schedule, webhook, manual' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/trigger/secret', why: 'unknown trigger field', input: def([setStep('a')], { type: 'webhook', secret: 'x' }) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/foo', why: 'unknown step field', input: def([{ ...setStep('a'), foo: 1 }]), says: 'a set step' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/type', why: 'no type', input: def([{ id: 'a' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/id', why: 'bad id', input: def([setStep('Send-Mail')]), says: 'lower-case letter' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/to/1', why: 'a recipient that is no string', input: def([{ id: 'a', type: 'email', to: ['a@example.com', 3], subject: 's', text: 't' }]), says: 'must be a string' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/to', why: 'a recipient that is no address', input: def([{ id: 'a', type: 'email', to: 'finance', subject: 's', text: 't' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/method', why: 'unknown method', input: def([{ id: 'a', type: 'http', method: 'FETCH', url: 'https://x.example.com' }]), says: 'GET, POST' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/retry/maxAttempts', why: 'too many attempts', input: def([{ ...setStep('a'), retry: { maxAttempts: 11 } }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/retry/backoffMs', why: 'backoff too long', input: def([{ ...setStep('a'), retry: { maxAttempts: 2, backoffMs: 3_600_001 } }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/retry/jitter', why: 'unknown retry field', input: def([{ ...setStep('a'), retry: { maxAttempts: 2, jitter: true } }]), says: 'this object' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/timeoutMs', why: 'timeout too long', input: def([{ ...setStep('a'), timeoutMs: 7_200_000 }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/compensate/type', why: 'a wait as compensation', input: def([{ ...setStep('a'), compensate: { id: 'b', type: 'wait', duration: 'PT1M' } }]), says: 'action step' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/compensate/compensate', why: 'a compensation with a compensation', input: def([{ ...setStep('a'), compensate: { ...setStep('b'), compensate: setStep('c') } }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/subject', why: 'template and subject', input: def([{ id: 'a', type: 'email', to: 'a@example.com', template: 'welcome', subject: 'Hi' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/subject', why: 'neither template nor subject', input: def([{ id: 'a', type: 'email', to: 'a@example.com', text: 'Hi' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/text', why: 'a subject without text or html', input: def([{ id: 'a', type: 'email', to: 'a@example.com', subject: 'Hi' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0', why: 'a wait with nothing to wait for', input: def([{ id: 'a', type: 'wait' }]), says: 'exactly one of duration, until and businessDays' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/until', why: 'a wait with two things', input: def([{ id: 'a', type: 'wait', duration: 'PT1H', until: '2026-05-01T09:00:00Z' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/businessDays', why: 'too many business days', input: def([{ id: 'a', type: 'wait', businessDays: 61 }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/businessDays', why: 'half a business day', input: def([{ id: 'a', type: 'wait', businessDays: 1.5 }]), says: 'whole number' },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/until', why: 'a date that is not one', input: def([{ id: 'a', type: 'wait', until: 'next monday' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/url', why: 'a relative URL', input: def([{ id: 'a', type: 'http', method: 'GET', url: '/api/x' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/arguments/name', why: 'an ERPNext get without a name', input: def([{ id: 'a', type: 'erpnext', operation: 'get', arguments: { doctype: 'Customer' } }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/skills', why: 'an agent and skills', input: def([{ id: 'a', type: 'agent_task', agent: 'x', skills: ['y'], title: 'T' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/input/tool', why: 'rules mode without a tool', input: def([{ id: 'a', type: 'agent_task', title: 'T', mode: 'rules' }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/items', why: 'for_each over a literal', input: def([{ id: 'a', type: 'for_each', items: 'lines', steps: [setStep('b')] }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/values/total due', why: 'a variable name with a space', input: def([setStep('a', { 'total due': 1 })]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/steps/0/else', why: 'an empty else', input: def([{ id: 'c', type: 'condition', if: { '$.vars.x': 1 }, then: [setStep('a')], else: [] }]) },
  { code: 'WORKFLOW_DEFINITION_INVALID', path: '/inputSchema', why: 'an input schema that is no schema', input: def([setStep('a')], manual, { inputSchema: { type: 'text' } }) },
  // Step types and ids
  {
    code: 'WORKFLOW_STEP_TYPE_UNKNOWN',
    path: '/steps/0/then/0/type',
    why: 'a nested step of no known type',
    input: def([{ id: 'c', type: 'condition', if: { '$.vars.x': 1 }, then: [{ id: 'nap', type: 'sleep' }] }]),
    says: 'module_route, module_tool, agent_task, erpnext, email, http, set, wait, approval, condition, for_each',
  },
  { code: 'WORKFLOW_STEP_ID_DUPLICATE', path: '/steps/1/then/0/id', why: 'a nested id again', input: def([setStep('a'), { id: 'c', type: 'condition', if: { '$.vars.x': 1 }, then: [setStep('a')] }]), says: '/steps/0/id' },
  { code: 'WORKFLOW_STEP_ID_DUPLICATE', path: '/steps/0/compensate/id', why: 'a compensation with its step id', input: def([{ ...setStep('a'), compensate: setStep('a') }]) },
  // References
  { code: 'WORKFLOW_REFERENCE_UNKNOWN', path: '/steps/0/values/v', why: 'no such step', input: def([setStep('a', { v: '$.steps.nope.output' })]), says: 'no step "nope"' },
  { code: 'WORKFLOW_REFERENCE_CYCLE', path: '/steps/0/values/v', why: 'a later step', input: def([setStep('a', { v: '$.steps.b.output' }), setStep('b')]), says: 'Step "a" reads $.steps.b.output (at /steps/0/values/v), but "b" runs after "a"' },
  { code: 'WORKFLOW_REFERENCE_CYCLE', path: '/steps/0/values/v', why: 'its own output', input: def([setStep('a', { v: 'me: {{$.steps.a.output}}' })]), says: 'its own output' },
  {
    code: 'WORKFLOW_REFERENCE_CYCLE',
    path: '/steps/0/steps/0/values/v',
    why: 'an inner step reads its loop',
    input: def([{ id: 'loop', type: 'for_each', items: '$.trigger.input.rows', steps: [setStep('a', { v: '$.steps.loop.output' })] }]),
  },
  {
    code: 'WORKFLOW_REFERENCE_CYCLE',
    path: '/steps/0/if/$.steps.b.output',
    why: 'a condition reads its own branch',
    input: def([{ id: 'c', type: 'condition', if: { '$.steps.b.output': 1 }, then: [setStep('b')] }]),
  },
  {
    code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE',
    path: '/steps/1/values/v',
    why: 'after a loop, a step inside it',
    input: def([{ id: 'loop', type: 'for_each', items: '$.trigger.input.rows', steps: [setStep('a')] }, setStep('b', { v: '$.steps.a.output' })]),
    says: 'after the loop read $.steps.loop.output',
  },
  { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', path: '/steps/0/values/v', why: '$.item outside a loop', input: def([setStep('a', { v: '$.item.name' })]), says: 'inside a for_each' },
  { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', path: '/steps/0/items', why: "a loop's own items read $.index", input: def([{ id: 'loop', type: 'for_each', items: '$.index', steps: [setStep('a')] }]) },
  {
    code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE',
    path: '/steps/0/else/0/values/v',
    why: 'the other branch',
    input: def([{ id: 'c', type: 'condition', if: { '$.vars.x': 1 }, then: [setStep('a')], else: [setStep('b', { v: '$.steps.a.output' })] }]),
    says: 'only one of them runs',
  },
  {
    code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE',
    path: '/steps/1/values/v',
    why: 'after a condition, a step of one branch',
    input: def([{ id: 'c', type: 'condition', if: { '$.vars.x': 1 }, then: [setStep('a')] }, setStep('b', { v: '$.steps.a.output' })]),
    says: 'may not have run',
  },
  { code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE', path: '/steps/1/values/v', why: 'a compensation', input: def([{ ...setStep('a'), compensate: setStep('undo') }, setStep('b', { v: '$.steps.undo.output' })]) },
  {
    code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE',
    path: '/steps/0/steps/1/compensate/values/v',
    why: 'the compensation of a loop step reads the item',
    input: def([{ id: 'loop', type: 'for_each', items: '$.trigger.input.rows', steps: [setStep('a'), { ...setStep('b'), compensate: setStep('undo_b', { v: '$.item.id' }) }] }]),
    says: 'after the loop',
  },
  {
    code: 'WORKFLOW_REFERENCE_OUT_OF_SCOPE',
    path: '/steps/0/steps/1/compensate/values/v',
    why: 'the compensation of a loop step reads an earlier step of the iteration',
    input: def([{ id: 'loop', type: 'for_each', items: '$.trigger.input.rows', steps: [setStep('a'), { ...setStep('b'), compensate: setStep('undo_b', { v: '$.steps.a.output' }) }] }]),
    says: 'not $.steps.a',
  },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/steps/0/values/v', why: 'an empty segment', input: def([setStep('a', { v: '$.vars..x' })]) },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/steps/0/values/v', why: 'an unknown root', input: def([setStep('a', { v: '$.env.SECRET' })]), says: '$.trigger, $.steps' },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/steps/1/values/v', why: 'a step without output', input: def([setStep('b'), setStep('a', { v: '$.steps.b.status' })]) },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/steps/0/values/v', why: '__proto__', input: def([setStep('a', { v: '$.vars.__proto__' })]) },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/steps/0/values/v', why: 'constructor, quoted', input: def([setStep('a', { v: "$.vars['constructor']" })]) },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/steps/0/values/v', why: 'a function call', input: def([setStep('a', { v: '$.vars.name.toUpperCase()' })]) },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/steps/0/values/v', why: 'an unclosed embedded reference', input: def([setStep('a', { v: 'Hello {{$.vars.name' })]) },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/steps/0/values/v', why: 'text that starts like a reference', input: def([setStep('a', { v: '$.5 off' })]) },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/trigger/filter/$.doc.total', why: 'a trigger filter reading no event field', input: def([setStep('a')], { type: 'event', event: 'erpnext.*', filter: { '$.doc.total': 1 } }) },
  { code: 'WORKFLOW_REFERENCE_INVALID', path: '/trigger/filter/payload', why: 'a filter path that is no reference', input: def([setStep('a')], { type: 'event', event: 'erpnext.*', filter: { payload: 1 } }) },
  // Schedules, durations, events, filters
  { code: 'WORKFLOW_CRON_INVALID', path: '/trigger/cron', why: 'four fields', input: def([setStep('a')], { type: 'schedule', cron: '0 9 * *' }) },
  { code: 'WORKFLOW_CRON_INVALID', path: '/trigger/cron', why: 'minute 61', input: def([setStep('a')], { type: 'schedule', cron: '61 * * * *' }) },
  { code: 'WORKFLOW_CRON_NEVER_FIRES', path: '/trigger/cron', why: '30 February', input: def([setStep('a')], { type: 'schedule', cron: '0 0 30 2 *' }), says: '8 years' },
  { code: 'WORKFLOW_TIMEZONE_INVALID', path: '/trigger/timeZone', why: 'no such zone', input: def([setStep('a')], { type: 'schedule', cron: '0 9 * * *', timeZone: 'Mars/Olympus' }) },
  { code: 'WORKFLOW_DURATION_INVALID', path: '/steps/0/duration', why: 'plain words', input: def([{ id: 'a', type: 'wait', duration: '2 hours' }]) },
  { code: 'WORKFLOW_DURATION_INVALID', path: '/steps/0/duration', why: 'zero', input: def([{ id: 'a', type: 'wait', duration: 'PT0S' }]) },
  { code: 'WORKFLOW_DURATION_INVALID', path: '/steps/0/expiresAfter', why: 'an empty duration', input: def([{ id: 'a', type: 'approval', title: 'OK?', expiresAfter: 'P' }]) },
  { code: 'WORKFLOW_EVENT_PATTERN_INVALID', path: '/trigger/event', why: 'upper case', input: def([setStep('a')], { type: 'event', event: 'Invoice.Created' }) },
  { code: 'WORKFLOW_EVENT_PATTERN_INVALID', path: '/trigger/event', why: 'one word', input: def([setStep('a')], { type: 'event', event: 'erpnext' }) },
  { code: 'WORKFLOW_EVENT_PATTERN_INVALID', path: '/trigger/event', why: 'a star in the middle', input: def([setStep('a')], { type: 'event', event: 'erpnext.*.submitted' }) },
  { code: 'WORKFLOW_FILTER_INVALID', path: '/trigger/filter/$.payload.name/like', why: 'an unknown operator', input: def([setStep('a')], { type: 'event', event: 'erpnext.*', filter: { '$.payload.name': { like: 'A%' } } }), says: 'eq, ne' },
  { code: 'WORKFLOW_FILTER_INVALID', path: '/trigger/filter/$.payload.n/in', why: 'in without an array', input: def([setStep('a')], { type: 'event', event: 'erpnext.*', filter: { '$.payload.n': { in: 3 } } }) },
  { code: 'WORKFLOW_FILTER_INVALID', path: '/steps/0/if', why: 'an empty condition', input: def([{ id: 'c', type: 'condition', if: {}, then: [setStep('a')] }]) },
  { code: 'WORKFLOW_FILTER_INVALID', path: '/steps/0/if/$.vars.x', why: 'an array literal', input: def([{ id: 'c', type: 'condition', if: { '$.vars.x': [1, 2] }, then: [setStep('a')] }]) },
  // Limits
  { code: 'WORKFLOW_TOO_LARGE', path: `/steps/${MAX_STEPS}`, why: 'too many steps', input: def(Array.from({ length: MAX_STEPS + 1 }, (_, i) => setStep(`s${i}`))), says: `${MAX_STEPS}` },
  { code: 'WORKFLOW_TOO_LARGE', path: '/steps/0/then/0/then/0/then/0/then/0/then/0', why: 'too deep', input: def([deep(MAX_DEPTH + 1)]) },
  { code: 'WORKFLOW_TOO_LARGE', path: '', why: 'too many bytes', input: def([setStep('a', { v: big })]), says: `${MAX_DEFINITION_BYTES} bytes` },
];

t.test('each bad definition is refused with its code and the pointer to what is wrong', async (t) => {
  for (const c of cases) {
    const err = problem(c.input);
    t.equal(err.code, c.code, `${c.why}: ${err.message}`);
    t.equal(err.extensions?.path, c.path, `${c.why}: path`);
    t.equal(err.statusCode, 400);
    if (c.path) t.ok(err.message.includes(c.path), `${c.why}: the detail names ${c.path}`);
    if (c.says) t.ok(err.message.includes(c.says), `${c.why}: "${err.message}" says "${c.says}"`);
  }
  const reached = new Set(cases.map((c) => c.code));
  t.same(Object.keys(WorkflowDefinitionErrors).filter((code) => !reached.has(code as never)), [], 'every code is reached');
});

t.test('errors carry what a UI needs to show them', async (t) => {
  const unknown = problem(def([{ id: 'nap', type: 'sleep' }]));
  t.same(unknown.extensions, { path: '/steps/0/type', type: 'sleep', known: STEP_TYPES });
  const duplicate = problem(def([setStep('a'), setStep('a')]));
  t.same(duplicate.extensions, { path: '/steps/1/id', id: 'a', firstPath: '/steps/0/id' });
  const cycle = problem(def([setStep('a', { v: '$.steps.b.output.total' }), setStep('b')]));
  t.same(cycle.extensions, { path: '/steps/0/values/v', reference: '$.steps.b.output.total', step: 'a' });
});

t.test('the limits hold exactly at their bounds', async (t) => {
  t.doesNotThrow(() => validateDefinition(def(Array.from({ length: MAX_STEPS }, (_, i) => setStep(`s${i}`))), { now }), `${MAX_STEPS} steps`);
  t.doesNotThrow(() => validateDefinition(def([deep(MAX_DEPTH)]), { now }), `depth ${MAX_DEPTH}`);
  // Compensation steps count towards the total.
  const compensated = Array.from({ length: MAX_STEPS / 2 }, (_, i) => ({ ...setStep(`s${i}`), compensate: setStep(`u${i}`) }));
  t.doesNotThrow(() => validateDefinition(def(compensated), { now }));
  t.equal(problem(def([...compensated, setStep('one_more')])).code, 'WORKFLOW_TOO_LARGE');
});

t.test('a schedule is checked from the date given', async (t) => {
  // 29 February: 2100 is no leap year, but 2104 is within 8 years of 2097.
  const leap = def([setStep('a')], { type: 'schedule', cron: '0 0 29 2 *' });
  t.doesNotThrow(() => validateDefinition(leap, { now: new Date('2097-03-01T00:00:00Z') }));
  const out: WorkflowDefinition = validateDefinition(leap, { now });
  t.equal(out.trigger.type, 'schedule');
});

t.test('the workflows every tenant starts with pass', async (t) => {
  const { DEFAULT_WORKFLOWS } = await import('../../plugins/workflows/src/defaults.js');
  for (const { template, definition } of DEFAULT_WORKFLOWS) t.doesNotThrow(() => validateDefinition(definition, { now }), template);
});
