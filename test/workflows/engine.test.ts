import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { agentToolRegistryRef } from '@dogan/runtime';
import { forEachEngine } from '../helpers/engines.js';
import { createTenant, createWorkflow, PROBLEM, startWorkflowsKernel, waitFor, waitRun, type TestTenant } from './helpers.js';

/**
 * The durable engine as tenants meet it through the API: data flowing between steps (set, HTTP,
 * condition, for_each, wait), a step that fails, is retried by its policy and then compensated, a
 * person's retry from the failed step, approvals, cancel and replay, triggers by event and webhook;
 * on both engines, with a second tenant that sees none of it.
 */

interface Received {
  path: string;
  key: string | undefined;
  body: unknown;
}

/** A loopback service the HTTP steps call: answers by path, and remembers each request with its Idempotency-Key. */
async function startService(t: { teardown(fn: () => unknown): void }) {
  const received: Received[] = [];
  const answers = new Map<string, (n: number) => number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, key: req.headers['idempotency-key'] as string | undefined, body: raw ? JSON.parse(raw) : null });
      const count = received.filter((r) => r.path === path).length;
      const status = answers.get(path)?.(count) ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path, count, items: ['a', 'b', 'c'], total: 4200 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, answer: (path: string, status: (n: number) => number) => answers.set(path, status), at: (path: string) => received.filter((r) => r.path === path) };
}

const run = async (tenant: TestTenant, id: string, input: Record<string, unknown> = {}) => {
  const res = await tenant.call('POST', `/workflows/${id}/run`, { input });
  if (res.statusCode !== 202) throw new Error(`run: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; status: string };
};

forEachEngine(t, 'workflows: durable steps, retries and compensation, approvals, triggers, isolation', async (t, engine) => {
  const { app, events, kernel } = await startWorkflowsKernel(t, engine);
  const service = await startService(t);
  const acme = await createTenant(app, 'acme');
  const globex = await createTenant(app, 'globex');

  await t.test('data passes between steps: set, HTTP, condition, for_each and a wait', async (t) => {
    const wf = await createWorkflow(acme, {
      name: 'Totals',
      trigger: { type: 'manual' },
      steps: [
        { id: 'config', type: 'set', values: { threshold: 1000, customer: '$.trigger.input.customer' } },
        { id: 'fetch', type: 'http', method: 'POST', url: `${service.url}/orders`, body: { customer: '$.vars.customer' } },
        {
          id: 'big',
          type: 'condition',
          if: { '$.steps.fetch.output.body.total': { gt: 1000 } },
          then: [{ id: 'flag', type: 'http', method: 'POST', url: `${service.url}/flag`, body: { note: 'Order of {{$.vars.customer}} is {{$.steps.fetch.output.body.total}}' } }],
          else: [{ id: 'skip', type: 'set', values: { skipped: true } }],
        },
        { id: 'each', type: 'for_each', items: '$.steps.fetch.output.body.items', steps: [{ id: 'line', type: 'http', method: 'POST', url: `${service.url}/line`, body: { item: '$.item', index: '$.index' } }] },
        { id: 'pause', type: 'wait', duration: 'PT0.2S' },
      ],
    });
    t.equal(wf.version, 1);
    const started = await run(acme, wf.id, { customer: 'شركة الرياض' });
    const done = await waitRun(acme, wf.id, started.id);
    t.equal(done.status, 'completed', JSON.stringify(done.error));
    t.same(service.at('/orders').map((r) => r.body), [{ customer: 'شركة الرياض' }], 'a set variable reached the HTTP body');
    t.same(service.at('/flag').map((r) => r.body), [{ note: 'Order of شركة الرياض is 4200' }], 'the condition took the then branch with embedded references');
    t.same(service.at('/line').map((r) => r.body), ['a', 'b', 'c'].map((item, index) => ({ item, index })), 'for_each ran once per element, in order');
    t.match(done.vars, { threshold: 1000, customer: 'شركة الرياض' });
    t.notOk(done.vars.skipped, 'the else branch did not run');
    const keys = service.received.map((r) => r.key);
    t.equal(new Set(keys).size, keys.length, 'every side effect carried its own idempotency key');
    t.ok(keys.every((k) => k?.startsWith(`${started.id}:`)), 'keys name the run');
    t.match(done.steps.find((s: any) => s.key === 'pause'), { status: 'succeeded', type: 'wait' });
    await waitFor('workflow.run_completed', () => events.some((e) => e.type === 'workflow.run_completed' && (e.payload as any).runId === started.id));
    t.pass('workflow.run_completed was published (through the outbox, after the commit)');
    const trail = async () => (await acme.call('GET', '/audit?action=workflows')).json().items as Array<Record<string, any>>;
    // Written just after the run's end commits.
    await waitFor("the run's end in the audit trail", async () => (await trail()).some((e) => e.action === 'workflows.run.completed'));
    const audit = await trail();
    t.match(audit.find((e) => e.action === 'workflows.run.completed' && e.target?.id === started.id), { actor: { kind: 'system', id: 'workflows' }, details: { workflowId: wf.id, trigger: 'manual' } }, "the run's end is in the tenant's audit trail");
    t.ok(audit.some((e) => e.action === 'workflows.run' && e.target?.id === wf.id), 'and so is the request that started it');
    t.same((await globex.call('GET', '/audit?action=workflows')).json().items, [], 'none of it in the second tenant trail');
  });

  await t.test('a failing step is retried by its policy, then the steps before it are compensated; a retry from the failed step completes', async (t) => {
    service.answer('/charge', () => 503);
    const wf = await createWorkflow(acme, {
      name: 'Reserve and charge',
      trigger: { type: 'manual' },
      steps: [
        { id: 'reserve', type: 'http', method: 'POST', url: `${service.url}/reserve`, compensate: { id: 'release', type: 'http', method: 'POST', url: `${service.url}/release`, body: { reservation: '$.steps.reserve.output.body.count' } } },
        { id: 'note', type: 'set', values: { reserved: true } },
        { id: 'charge', type: 'http', method: 'POST', url: `${service.url}/charge`, retry: { maxAttempts: 3, backoffMs: 20, factor: 2 } },
      ],
    });
    const started = await run(acme, wf.id);
    const failed = await waitRun(acme, wf.id, started.id);
    t.equal(failed.status, 'failed');
    t.match(failed.error, { code: 'WORKFLOW_HTTP_FAILED', step: 'charge' });
    t.equal(service.at('/charge').length, 3, 'three attempts');
    t.equal(new Set(service.at('/charge').map((r) => r.key)).size, 3, 'each attempt with a key of its own');
    t.same(service.at('/release').map((r) => r.body), [{ reservation: 1 }], 'the reservation was released once, with its own output');
    t.same(
      failed.steps.filter((s: any) => s.key === 'charge').map((s: any) => s.status),
      ['failed', 'failed', 'failed'],
    );
    t.match(failed.steps.find((s: any) => s.key === 'compensate:reserve'), { phase: 'compensate', status: 'succeeded' });
    await waitFor('workflow.run_failed', () => events.some((e) => e.type === 'workflow.run_failed' && (e.payload as any).runId === started.id));

    service.answer('/charge', () => 200);
    const retried = await acme.call('POST', `/workflows/${wf.id}/runs/${started.id}/retry`);
    t.equal(retried.statusCode, 200, retried.body);
    const done = await waitRun(acme, wf.id, started.id);
    t.equal(done.status, 'completed', JSON.stringify(done.error));
    t.equal(service.at('/reserve').length, 2, 'the compensated reservation was made again');
    t.equal(service.at('/charge').length, 4, 'the charge ran once more');
    t.equal(new Set(service.at('/reserve').map((r) => r.key)).size, 2, 'with a new key: a retry is new work');
    t.equal(done.retries, 1);

    const again = await acme.call('POST', `/workflows/${wf.id}/runs/${started.id}/retry`);
    t.equal(again.statusCode, 409);
    t.match(again.json(), { code: 'WORKFLOW_RUN_NOT_FAILED' });
  });

  await t.test('approvals wait for a person; rejected fails the run, approved goes on', async (t) => {
    const wf = await createWorkflow(acme, {
      name: 'Approve a refund',
      trigger: { type: 'manual' },
      steps: [
        { id: 'ok', type: 'approval', title: 'Refund {{$.trigger.input.amount}} SAR?' },
        { id: 'refund', type: 'http', method: 'POST', url: `${service.url}/refund`, body: { amount: '$.trigger.input.amount' } },
      ],
    });
    const first = await run(acme, wf.id, { amount: 250 });
    const waiting = await waitRun(acme, wf.id, first.id, (r) => r.status === 'waiting' && r.steps.some((s: any) => s.key === 'ok' && s.status === 'waiting'));
    t.equal(waiting.nextAt, null, 'parked until a person decides, not polled');
    const pending = (await acme.call('GET', '/workflows/approvals')).json();
    t.match(pending.items, [{ runId: first.id, stepKey: 'ok', title: 'Refund 250 SAR?' }]);
    t.same((await globex.call('GET', '/workflows/approvals')).json().items, [], 'the second tenant sees no approval of the first');
    const byGlobex = await globex.call('POST', `/workflows/${wf.id}/runs/${first.id}/approvals/ok`, { decision: 'approved' });
    t.equal(byGlobex.statusCode, 404, 'the second tenant cannot decide it');
    const rejected = await acme.call('POST', `/workflows/${wf.id}/runs/${first.id}/approvals/ok`, { decision: 'rejected', note: 'too much' });
    t.equal(rejected.statusCode, 200, rejected.body);
    const failed = await waitRun(acme, wf.id, first.id);
    t.match(failed, { status: 'failed', error: { code: 'WORKFLOW_APPROVAL_REJECTED', step: 'ok' } });
    t.equal(service.at('/refund').length, 0, 'nothing refunded');
    const twice = await acme.call('POST', `/workflows/${wf.id}/runs/${first.id}/approvals/ok`, { decision: 'approved' });
    t.equal(twice.statusCode, 409);

    const second = await run(acme, wf.id, { amount: 90 });
    await waitRun(acme, wf.id, second.id, (r) => r.status === 'waiting' && r.steps.some((s: any) => s.key === 'ok' && s.status === 'waiting'));
    await acme.call('POST', `/workflows/${wf.id}/runs/${second.id}/approvals/ok`, { decision: 'approved' });
    const done = await waitRun(acme, wf.id, second.id);
    t.equal(done.status, 'completed');
    t.same(service.at('/refund').map((r) => r.body), [{ amount: 90 }]);

    const third = await run(acme, wf.id, { amount: 1 });
    await waitRun(acme, wf.id, third.id, (r) => r.status === 'waiting');
    const cancelled = await acme.call('POST', `/workflows/${wf.id}/runs/${third.id}/cancel`);
    t.match(cancelled.json(), { status: 'cancelled' });
    const replay = await acme.call('POST', `/workflows/${wf.id}/runs/${second.id}/replay`);
    t.equal(replay.statusCode, 202);
    t.match(replay.json(), { replayOf: second.id, trigger: { kind: 'replay', data: { input: { amount: 90 } } } });
  });

  await t.test('a run keeps the version it started with', async (t) => {
    const wf = await createWorkflow(acme, { name: 'Versioned', trigger: { type: 'manual' }, steps: [{ id: 'hold', type: 'approval', title: 'v1' }] });
    const started = await run(acme, wf.id);
    await waitRun(acme, wf.id, started.id, (r) => r.status === 'waiting');
    const updated = await acme.call('PUT', `/workflows/${wf.id}`, { name: 'Versioned', trigger: { type: 'manual' }, steps: [{ id: 'hold', type: 'approval', title: 'v2' }, { id: 'x', type: 'set', values: { v: 2 } }] });
    t.equal(updated.json().version, 2);
    await acme.call('POST', `/workflows/${wf.id}/runs/${started.id}/approvals/hold`, { decision: 'approved' });
    const done = await waitRun(acme, wf.id, started.id);
    t.equal(done.version, 1);
    t.notOk(done.steps.some((s: any) => s.key === 'x'), 'the step of version 2 did not run in a version 1 run');
  });

  await t.test('an event starts the workflows whose trigger and filter match, once per event', async (t) => {
    const wf = await createWorkflow(acme, {
      name: 'New agent',
      trigger: { type: 'event', event: 'agent.created', filter: { '$.payload.agent.department': 'sales' } },
      steps: [{ id: 'tell', type: 'http', method: 'POST', url: `${service.url}/agent-created`, body: { name: '$.trigger.event.payload.agent.name.en' } }],
    });
    const agent = (dept: TestTenant, department: string, name: string) =>
      dept.call('POST', '/agents', { name: { ar: name, en: name }, title: { ar: 'موظف', en: 'Officer' }, role: 'officer', department });
    t.equal((await agent(acme, 'sales', 'Sara')).statusCode, 201);
    t.equal((await agent(acme, 'finance', 'Fahad')).statusCode, 201);
    t.equal((await agent(globex, 'sales', 'Gina')).statusCode, 201);
    await waitFor('the run of the matching event', () => service.at('/agent-created').length > 0);
    const runs = (await acme.call('GET', `/workflows/${wf.id}/runs`)).json().items;
    t.equal(runs.length, 1, 'one run: the finance agent did not pass the filter, the second tenant is not the first');
    await waitRun(acme, wf.id, runs[0].id);
    t.same(service.at('/agent-created').map((r) => r.body), [{ name: 'Sara' }]);
  });

  await t.test('a webhook trigger starts a run with its own secret; a wrong one is refused', async (t) => {
    const res = await acme.call('POST', '/workflows', { name: 'Hook', trigger: { type: 'webhook' }, steps: [{ id: 'echo', type: 'set', values: { got: '$.trigger.body.order' } }] });
    t.equal(res.statusCode, 201);
    const { id, webhookSecret } = res.json() as { id: string; webhookSecret: string };
    t.ok(webhookSecret, 'the secret is shown once');
    t.notOk((await acme.call('GET', `/workflows/${id}`)).json().webhookSecret, 'and never again');
    const url = `/api/webhooks/workflows/acme/${id}`;
    const wrong = await app.inject({ method: 'POST', url, headers: { 'x-dogan-webhook-secret': 'nope' }, payload: { order: 'SO-1' } });
    t.equal(wrong.statusCode, 401);
    t.match(wrong.headers['content-type'], PROBLEM);
    t.match(wrong.json(), { code: 'WORKFLOW_WEBHOOK_UNAUTHORIZED' });
    const viaGlobex = await app.inject({ method: 'POST', url: `/api/webhooks/workflows/globex/${id}`, headers: { 'x-dogan-webhook-secret': webhookSecret }, payload: { order: 'SO-1' } });
    t.equal(viaGlobex.statusCode, 404, "the second tenant's address does not reach the first tenant's workflow");
    const ok = await app.inject({ method: 'POST', url, headers: { 'x-dogan-webhook-secret': webhookSecret, 'idempotency-key': 'delivery-1' }, payload: { order: 'SO-1' } });
    t.equal(ok.statusCode, 202, ok.body);
    const again = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${webhookSecret}`, 'idempotency-key': 'delivery-1' }, payload: { order: 'SO-1' } });
    t.same(again.json(), { runId: ok.json().runId, created: false }, 'a redelivery starts no second run');
    const done = await waitRun(acme, id, ok.json().runId);
    t.match(done.vars, { got: 'SO-1' });
  });

  await t.test("agents start workflows with the workflows_run tool, once per call key", async (t) => {
    const wf = await createWorkflow(acme, { name: 'For agents', trigger: { type: 'manual' }, steps: [{ id: 'echo', type: 'set', values: { asked: '$.trigger.input.what' } }] });
    const tool = kernel.host.service(agentToolRegistryRef).all().find((x) => x.name === 'workflows_run')!;
    t.ok(tool, 'the tool is registered for agents');
    const first = (await tool.run({ tenantId: acme.id, idempotencyKey: 'task-1:call-1' }, { workflowId: wf.id, input: { what: 'stock report' } })) as { runId: string; created: boolean };
    const again = (await tool.run({ tenantId: acme.id, idempotencyKey: 'task-1:call-1' }, { workflowId: wf.id, input: { what: 'stock report' } })) as { runId: string; created: boolean };
    t.same([first.created, again.created, again.runId], [true, false, first.runId], 'a call resumed after a crash starts no second run');
    const done = await waitRun(acme, wf.id, first.runId);
    t.match(done, { status: 'completed', vars: { asked: 'stock report' }, trigger: { kind: 'agent' } });
    await t.rejects(tool.run({ tenantId: globex.id, idempotencyKey: 'x' }, { workflowId: wf.id }), { code: 'WORKFLOW_NOT_FOUND' }, "an agent of the second tenant cannot start the first tenant's workflow");
  });

  await t.test('bad definitions are refused at save time with a code and the path; nothing is saved', async (t) => {
    const before = (await acme.call('GET', '/workflows')).json().total;
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['unknown step type', { name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'teleport' }] }, 'WORKFLOW_STEP_TYPE_UNKNOWN'],
      ['reference to a missing step', { name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'set', values: { v: '$.steps.ghost.output' } }] }, 'WORKFLOW_REFERENCE_UNKNOWN'],
      [
        'a step reading one that runs after it',
        { name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'set', values: { v: '$.steps.b.output' } }, { id: 'b', type: 'set', values: { w: '$.steps.a.output' } }] },
        'WORKFLOW_REFERENCE_CYCLE',
      ],
      ['a cron that never fires', { name: 'x', trigger: { type: 'schedule', cron: '0 9 30 2 *' }, steps: [{ id: 'a', type: 'set', values: {} }] }, 'WORKFLOW_CRON_NEVER_FIRES'],
      ['a cron that does not parse', { name: 'x', trigger: { type: 'schedule', cron: '61 * * * *' }, steps: [{ id: 'a', type: 'set', values: {} }] }, 'WORKFLOW_CRON_INVALID'],
      ['duplicate ids', { name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'set', values: {} }, { id: 'a', type: 'set', values: {} }] }, 'WORKFLOW_STEP_ID_DUPLICATE'],
    ];
    for (const [what, body, code] of cases) {
      const res = await acme.call('POST', '/workflows', body);
      t.equal(res.statusCode, 400, `${what}: ${res.body}`);
      t.match(res.headers['content-type'], PROBLEM);
      t.equal(res.json().code, code, what);
    }
    t.equal((await acme.call('GET', '/workflows')).json().total, before, 'nothing saved');
  });

  await t.test('the second tenant sees none of the first tenant workflows or runs', async (t) => {
    const mine = (await acme.call('GET', '/workflows')).json().items as Array<{ id: string; template: string | null }>;
    const theirs = (await globex.call('GET', '/workflows')).json().items as Array<{ id: string; template: string | null }>;
    t.ok(mine.length > 3);
    t.same(theirs.filter((w) => w.template === null), [], 'globex has only its own defaults');
    t.notOk(theirs.some((w) => mine.some((m) => m.id === w.id)));
    for (const wf of mine.filter((w) => w.template === null)) {
      t.equal((await globex.call('GET', `/workflows/${wf.id}`)).statusCode, 404);
      t.equal((await globex.call('GET', `/workflows/${wf.id}/runs`)).statusCode, 404);
      t.equal((await globex.call('POST', `/workflows/${wf.id}/run`, { input: {}, force: true })).statusCode, 404);
      t.equal((await globex.call('DELETE', `/workflows/${wf.id}`)).statusCode, 404);
    }
  });
});

forEachEngine(t, 'workflows: the plan limit holds and the usage API counts workflows and runs', async (t, engine) => {
  const { app } = await startWorkflowsKernel(t, engine);
  const acme = await createTenant(app, 'acme', { plan: 'starter' });
  const defaults = (await acme.call('GET', '/workflows')).json();
  t.same(
    defaults.items.map((w: any) => w.template).sort(),
    ['payment_failed_follow_up', 'trial_ending_reminder'],
    'provisioning installed the default workflows',
  );
  for (let i = defaults.total; i < 10; i++) await createWorkflow(acme, { name: `W${i}`, trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'set', values: { i } }] });
  const over = await acme.call('POST', '/workflows', { name: 'one too many', trigger: { type: 'manual' }, steps: [{ id: 'a', type: 'set', values: {} }] });
  t.equal(over.statusCode, 403, over.body);
  t.match(over.json(), { code: 'PLAN_LIMIT_REACHED' });
  const list = (await acme.call('GET', '/workflows')).json();
  t.equal(list.total, 10, 'the tenth was the last');
  const manual = list.items.find((w: any) => w.template === null);
  const started = await acme.call('POST', `/workflows/${manual.id}/run`, { input: {} });
  await waitRun(acme, manual.id, started.json().id);
  const usage = (await acme.call('GET', '/dashboard/usage')).json();
  t.match(usage.workflows ?? usage.usage?.workflows, { used: 10, limit: 10 }, JSON.stringify(usage));
});
