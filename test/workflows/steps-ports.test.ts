import t from 'tap';
import { createLogger, defineErrors } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { ActionStep, EmailStep } from '../../plugins/workflows/src/definition/types.js';
import type { StepContext } from '../../plugins/workflows/src/steps/step-executor.js';
import { actionExecutors, emailExecutor, moduleToolExecutor, setExecutor, STEP_FAILURES, type EmailSender } from '../../plugins/workflows/src/steps/index.js';
// The email plugin is being written: its service type is all there is to build against, so its part here is a fake.
import type { EmailMessageView, OutgoingEmail } from '../../plugins/email/src/email-api.js';

/**
 * What every action step shares: a step whose plugin is not loaded fails for good naming the plugin;
 * an aborted attempt ends with the signal's reason even when the service never answers; platform
 * errors become StepFailures by status, a bug stays what it is. And the two steps with no real part
 * to start here: `email` (against a fake of the email plugin's service) and `set`.
 */

const log = createLogger({ LOG_LEVEL: 'silent' });
const tenant = { id: 'tenant-1' } as Tenant;

function context(extra: Partial<StepContext> = {}): StepContext {
  return { tenant, workflowId: 'wf-7', runId: 'run-1', stepKey: 'notify', attempt: 1, idempotencyKey: 'run-1:notify:1', state: null, signal: new AbortController().signal, log, ...extra };
}

const none = { modules: () => undefined, agentTasks: () => undefined, erpnext: () => undefined, email: () => undefined };

t.test('actionExecutors: one executor per action step type, each with a timeout of its own', async (t) => {
  const executors = actionExecutors(none);
  t.same(executors.map((e) => e.type).sort(), ['agent_task', 'email', 'erpnext', 'http', 'module_route', 'module_tool', 'set']);
  for (const e of executors) t.ok(e.defaultTimeoutMs > 0 && e.defaultTimeoutMs <= 120_000, `${e.type}: ${e.defaultTimeoutMs} ms`);
});

t.test('a step whose plugin is not loaded fails for good, naming the plugin', async (t) => {
  const executors = new Map(actionExecutors(none).map((e) => [e.type, e]));
  const steps: Array<[ActionStep, string]> = [
    [{ id: 'a', type: 'module_route', module: 'acme.crm', method: 'GET', path: '/x' }, 'modules'],
    [{ id: 'b', type: 'module_tool', module: 'acme.crm', tool: 'create_lead' }, 'modules'],
    [{ id: 'c', type: 'agent_task', title: 'Do it', agent: 'a1' }, 'agents'],
    [{ id: 'd', type: 'erpnext', operation: 'get', arguments: { doctype: 'ToDo', name: 'x' } }, 'erpnext'],
    [{ id: 'e', type: 'email', to: 'a@example.com', subject: 'Hi', text: 'Hello' }, 'email'],
  ];
  for (const [step, plugin] of steps) {
    await t.rejects(executors.get(step.type)!.perform(step, context()), { name: 'StepFailure', code: 'WORKFLOW_STEP_UNAVAILABLE', retryable: false, details: { plugin }, message: new RegExp(`the ${plugin} plugin`) }, step.type);
  }
});

t.test('failure codes are listed once, each with what it means', async (t) => {
  const codes = Object.keys(STEP_FAILURES);
  t.ok(codes.every((code) => /^WORKFLOW_[A-Z_]+$/.test(code)));
  for (const code of ['WORKFLOW_STEP_UNAVAILABLE', 'WORKFLOW_MODULE_CALL_FAILED', 'WORKFLOW_AGENT_TASK_FAILED', 'WORKFLOW_HTTP_FORBIDDEN_ADDRESS', 'WORKFLOW_HTTP_RESPONSE_TOO_LARGE']) t.ok(codes.includes(code), code);
});

t.test('errors of a service: platform errors by status, an unavailable database retried, a bug as it is, an abort with its reason', async (t) => {
  const Errors = defineErrors({
    THING_REFUSED: { status: 422, title: 'Refused', message: 'refused: %s' },
    THING_DOWN: { status: 503, title: 'Down', message: 'down' },
  });
  let fail: () => Promise<unknown> = () => Promise.resolve(null);
  const runtime = { runTool: () => fail() };
  const tool = moduleToolExecutor(() => runtime);
  const step = { id: 't', type: 'module_tool', module: 'acme.crm', tool: 'x' } as const;

  fail = () => Promise.reject(Errors.THING_REFUSED('no'));
  await t.rejects(tool.perform(step, context()), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: false, details: { cause: 'THING_REFUSED', status: 422 }, message: /THING_REFUSED: refused: no/ });
  fail = () => Promise.reject(Errors.THING_DOWN());
  await t.rejects(tool.perform(step, context()), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: true, details: { cause: 'THING_DOWN' } });
  fail = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
  await t.rejects(tool.perform(step, context()), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: true, details: { cause: 'UNAVAILABLE' } });
  const bug = new TypeError('cannot read properties of undefined');
  fail = () => Promise.reject(bug);
  await t.rejects(tool.perform(step, context()), bug, 'an unexpected error is not dressed up as a decision');

  let called!: () => void;
  const started = new Promise<void>((resolve) => (called = resolve));
  fail = () => {
    called();
    return new Promise(() => undefined);
  };
  const controller = new AbortController();
  const pending = tool.perform(step, context({ signal: controller.signal }));
  await started;
  const reason = new Error('timed out');
  controller.abort(reason);
  await t.rejects(pending, reason, 'a service that never answers does not hold an aborted attempt');
});

t.test('email: queues through the email plugin with the attempt key and the workflow as source', async (t) => {
  const sent: Array<{ tenantId: string; message: OutgoingEmail }> = [];
  const Errors = defineErrors({
    EMAIL_TEMPLATE_NOT_FOUND: { status: 404, title: 'No template', message: 'No email template "%s"' },
    EMAIL_STORE_DOWN: { status: 503, title: 'Down', message: 'The email store is down' },
  });
  // A fake of EmailApi.send as its contract reads: a repeated key returns the first message; a suppressed address is recorded, not sent.
  let contact: { address: string; locale: 'ar' | 'en' } | null = { address: 'billing@acme.example', locale: 'ar' };
  const email: EmailSender = {
    billingContact: async () => contact,
    async send(tenantId, message) {
      if (message.template === 'missing') throw Errors.EMAIL_TEMPLATE_NOT_FOUND('missing');
      if (message.template === 'flaky') throw Errors.EMAIL_STORE_DOWN();
      const earlier = sent.findIndex((s) => s.tenantId === tenantId && s.message.idempotencyKey === message.idempotencyKey);
      if (earlier < 0) sent.push({ tenantId, message });
      const index = earlier < 0 ? sent.length - 1 : earlier;
      const to = typeof message.to === 'string' ? [message.to] : [...message.to];
      const view: EmailMessageView = {
        id: `msg-${index + 1}`,
        status: to.includes('bounced@example.com') ? 'suppressed' : 'queued',
        to,
        subject: message.subject ?? message.template ?? '',
        template: message.template ?? null,
        locale: message.locale ?? 'en',
        source: message.source ?? null,
        attempts: 0,
        lastError: null,
        messageId: null,
        createdAt: new Date().toISOString(),
        sentAt: null,
      };
      return view;
    },
  };
  const executor = emailExecutor(() => email);
  const step: EmailStep = { id: 'notify', type: 'email', to: ['huda@example.com'], template: 'invoice_overdue', locale: 'ar', data: { invoice: 'INV-1' } };
  t.same(await executor.perform(step, context()), { kind: 'done', output: { messageId: 'msg-1', status: 'queued' } });
  t.same(sent[0], {
    tenantId: 'tenant-1',
    message: { to: ['huda@example.com'], template: 'invoice_overdue', locale: 'ar', data: { invoice: 'INV-1' }, idempotencyKey: 'run-1:notify:1', source: 'workflow:wf-7' },
  });
  t.same(await executor.perform(step, context()), { kind: 'done', output: { messageId: 'msg-1', status: 'queued' } }, 'a resumed attempt gets the first message back');
  t.equal(sent.length, 1, 'and nothing is sent twice');
  const plain: EmailStep = { id: 'notify', type: 'email', to: 'bounced@example.com', subject: 'Hello', text: 'Hi' };
  t.same(await executor.perform(plain, context({ idempotencyKey: 'run-1:notify:2' })), { kind: 'done', output: { messageId: 'msg-2', status: 'suppressed' } }, 'a suppressed recipient is not a failure');
  t.same(sent[1]!.message, { to: 'bounced@example.com', subject: 'Hello', text: 'Hi', idempotencyKey: 'run-1:notify:2', source: 'workflow:wf-7' });
  const notice: EmailStep = { id: 'notify', type: 'email', to: 'billing-contact', template: 'trial_ending', data: { trialEndsAt: '2025-01-01' } };
  t.same(await executor.perform(notice, context({ idempotencyKey: 'run-1:notify:3' })), { kind: 'done', output: { messageId: 'msg-3', status: 'queued' } });
  t.match(sent[2]!.message, { to: 'billing@acme.example', locale: 'ar', template: 'trial_ending' }, "billing-contact is the tenant's notice address, in its language");
  await executor.perform({ ...notice, to: ['billing-contact', 'ops@acme.example', 'billing@acme.example'], locale: 'en' }, context({ idempotencyKey: 'run-1:notify:4' }));
  t.match(sent[3]!.message, { to: ['billing@acme.example', 'ops@acme.example'], locale: 'en' }, 'among others, once, and the step may name the language');
  contact = null;
  await t.rejects(executor.perform(notice, context({ idempotencyKey: 'run-1:notify:5' })), { code: 'WORKFLOW_EMAIL_FAILED', retryable: false, details: { cause: 'NO_BILLING_CONTACT' } });
  await t.rejects(executor.perform({ ...step, template: 'missing' }, context()), { code: 'WORKFLOW_EMAIL_FAILED', retryable: false, details: { cause: 'EMAIL_TEMPLATE_NOT_FOUND' } });
  await t.rejects(executor.perform({ ...step, template: 'flaky' }, context()), { code: 'WORKFLOW_EMAIL_FAILED', retryable: true });
});

t.test('set: the output is the values, as given', async (t) => {
  const values = { total: 42, customer: { name: 'Acme' }, tags: ['a'] };
  t.same(await setExecutor().perform({ id: 'vars', type: 'set', values }, context()), { kind: 'done', output: values });
});
