import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import type { ModuleManifest } from '@dogan/module-manifest';
import { agentToolRegistryRef, buildKernel, type AgentTool, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import agentsPlugin from '@dogan/plugin-agents';
import { createModulesPlugin, moduleFromSource, modulesRuntimeRef } from '@dogan/plugin-modules';
import { firstPartyPlugins } from '@dogan/distribution';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { adminHeaders } from '../helpers/tenant-fixtures.js';
import { manifestFor } from '../registry/helpers/releases.js';
import { startLlmSimulator, type LlmSimulator } from '../simulators/llm/index.js';

/**
 * Agent tasks as a tenant meets them: a manager delegates to its reports, who use a module's tool in
 * the sandbox, and the manager answers with their results; the same through both LLM wire formats,
 * and with no model at all (rules mode). Guards, approvals and refusals end or pause a task with the
 * reason in its trace; a second tenant sees none of it and cannot reach the first tenant's tools.
 */

const description = { en: 'CRM lookups', ar: 'بحث في العملاء' };
const crm = manifestFor('acme.crm', '1.0.0', {
  permissions: [{ name: 'tools', kind: 'agent-tools', required: true, description }],
  collections: [],
  routes: [],
  agentTools: [
    {
      name: 'lookup_customer',
      description: { en: 'Look up a customer by name', ar: 'البحث عن عميل بالاسم' },
      parameters: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 100 } } },
      handler: 'lookup',
    },
  ],
}) satisfies ModuleManifest;
const crmCode = `export const tools = {
  lookup: async (req) => ({ name: req.arguments.name, tier: req.arguments.name === 'Acme' ? 'gold' : 'silver', key: req.idempotencyKey }),
};`;

interface Task {
  id: string;
  status: string;
  result: any;
  failure: { code: string; reason: string } | null;
  usage: { steps: number; tokens: number; costHalalas: number };
}

async function startKernel(t: { teardown(fn: () => unknown): void }, engine: TestEngine) {
  const config = engine.config({ AGENTS_LLM_ALLOW_PRIVATE_NETWORKS: 'true', AGENTS_POLL_INTERVAL_MS: '50', AGENTS_LLM_MAX_ATTEMPTS: '2' });
  const kernel = await buildKernel({
    config,
    plugins: [tenantsPlugin, createModulesPlugin({ sandbox: { hosts: 1 } }) as PluginDefinition, agentsPlugin as PluginDefinition],
    catalog: firstPartyPlugins,
  });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  kernel.host.service(modulesRuntimeRef).register(moduleFromSource(crm, crmCode));
  return kernel;
}

forEachEngine(t, 'agent tasks: delegation, module tools, both wire formats, rules mode, guards, approvals', async (t, engine) => {
  const kernel = await startKernel(t, engine);
  const app = kernel.app;
  const sim: LlmSimulator = await startLlmSimulator();
  t.teardown(() => sim.close());
  const runtime = kernel.host.service(modulesRuntimeRef);

  // A test tool that must wait for a person: the kind of call (posting an invoice) an approval gate exists for.
  const posted: string[] = [];
  const postInvoice: AgentTool = {
    name: 'post_invoice',
    description: { en: 'Post an invoice', ar: 'ترحيل فاتورة' },
    inputSchema: { type: 'object', additionalProperties: false, required: ['amount'], properties: { amount: { type: 'integer', minimum: 1 } } },
    risky: true,
    run: async (context, input) => {
      posted.push(`${context.idempotencyKey}:${String(input.amount)}`);
      return { posted: true };
    },
  };
  kernel.host.service(agentToolRegistryRef).register('test', [postInvoice]);

  const tenant = async (subdomain: string) => {
    const created = await app.inject({ method: 'POST', url: '/api/admin/tenants', headers: adminHeaders, payload: { name: subdomain, subdomain, plan: 'enterprise' } });
    const id = (created.json() as { id: string }).id;
    const key = await app.inject({ method: 'POST', url: `/api/admin/tenants/${id}/api-keys`, headers: adminHeaders, payload: { name: 'test', scopes: ['read', 'write', 'admin'] } });
    const headers = { authorization: `Bearer ${(key.json() as { key: string }).key}` };
    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: object) => app.inject({ method, url: `/api/v1/${subdomain}${path}`, headers, ...(payload ? { payload } : {}) });
    return { id, subdomain, headers, call };
  };
  type T = Awaited<ReturnType<typeof tenant>>;
  const agent = async (tt: T, extra: Record<string, unknown>) => {
    const res = await tt.call('POST', '/agents', { name: { ar: 'وكيل', en: 'Agent' }, title: { ar: 'موظف', en: 'Officer' }, role: 'officer', department: 'sales', ...extra });
    if (res.statusCode !== 201) throw new Error(`agent: ${res.statusCode} ${res.body}`);
    return (res.json() as { id: string }).id;
  };
  const waitTask = async (tt: T, id: string, until: (task: Task) => boolean = (task) => ['completed', 'failed', 'cancelled', 'rejected'].includes(task.status)) => {
    for (let i = 0; i < 2400; i++) {
      const task = (await tt.call('GET', `/agents/tasks/${id}`)).json() as Task;
      if (until(task)) return task;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`task ${id} did not get there: ${(await tt.call('GET', `/agents/tasks/${id}/trace`)).body}`);
  };
  const newTask = async (tt: T, body: Record<string, unknown>) => {
    const res = await tt.call('POST', '/agents/tasks', body);
    if (res.statusCode !== 201) throw new Error(`task: ${res.statusCode} ${res.body}`);
    return (res.json() as Task).id;
  };

  const acme = await tenant('acme');
  await runtime.enableForTenant(acme.id, 'acme.crm', ['tools']);
  const manager = await agent(acme, { name: { ar: 'أحمد آل سعود', en: 'Ahmed Al-Saud' }, title: { ar: 'مدير المبيعات', en: 'Sales Manager' }, tools: ['acme_crm__*', 'post_invoice'] });
  const sara = await agent(acme, { manager, skills: ['tiering'], tools: ['acme_crm__*'] });
  const omar = await agent(acme, { manager, skills: ['tiering'], tools: ['acme_crm__*'] });

  for (const kind of ['openai', 'anthropic'] as const) {
    await t.test(`a manager delegates two lookups to its reports and sums up (${kind})`, async (t) => {
      const baseUrl = kind === 'openai' ? `${sim.url}/v1` : sim.url;
      const profile = await acme.call('PUT', '/agents/llm-profiles/default', { kind, model: `${kind}-test`, baseUrl, apiKey: sim.apiKey, inputHalalasPerMillionTokens: 1_000_000, outputHalalasPerMillionTokens: 2_000_000, isDefault: true });
      t.equal(profile.statusCode, 200, profile.body);
      const marker = `${kind} accounts`;
      sim.on(`Review ${marker}`, {
        toolCalls: [
          { name: 'delegate_task', arguments: { agentId: sara, title: `Look up Acme ${kind}`, description: 'Find the tier of Acme' } },
          { name: 'delegate_task', arguments: { agentId: omar, title: `Look up Globex ${kind}`, description: 'Find the tier of Globex' } },
        ],
        usage: { input: 100, output: 20 },
      });
      sim.on(`Look up Acme ${kind}`, { toolCalls: [{ name: 'acme_crm__lookup_customer', arguments: { name: 'Acme' } }] });
      sim.on(`Look up Globex ${kind}`, { toolCalls: [{ name: 'acme_crm__lookup_customer', arguments: { name: 'Globex' } }] });
      sim.on('"name":"Acme"', { text: `Acme is gold (${kind})` });
      sim.on('"name":"Globex"', { text: `Globex is silver (${kind})` });
      sim.on(`Globex is silver (${kind})`, { text: `Acme: gold; Globex: silver (${kind})`, usage: { input: 200, output: 10 } });
      const before = sim.requests.length;
      const id = await newTask(acme, { title: `Review ${marker}`, description: 'Which tier is each account?', agentId: manager });
      const done = await waitTask(acme, id);
      t.match(done, { status: 'completed', result: { text: `Acme: gold; Globex: silver (${kind})` }, failure: null });
      t.equal(done.usage.steps, 2, 'two model calls of its own');
      t.equal(done.usage.tokens, 330);
      t.equal(done.usage.costHalalas, 100 + 40 + 200 + 20, 'cost in halalas from the profile prices');
      const trace = (await acme.call('GET', `/agents/tasks/${id}/trace`)).json() as { steps: Array<{ kind: string; tool: string | null; status: string; result: any }>; subtasks: Task[] };
      t.same(trace.subtasks.map((s) => s.status), ['completed', 'completed'], 'both subtasks completed');
      t.same(
        trace.steps.filter((s) => s.kind === 'tool').map((s) => [s.tool, s.status]),
        [
          ['delegate_task', 'done'],
          ['delegate_task', 'done'],
        ],
      );
      const sub = (await acme.call('GET', `/agents/tasks/${trace.subtasks[0]!.id}/trace`)).json() as { steps: Array<{ kind: string; tool: string | null; result: any }> };
      t.match(sub.steps.find((s) => s.kind === 'tool'), { tool: 'acme_crm__lookup_customer', result: { name: 'Acme', tier: 'gold' } }, "the report ran the module's tool in the sandbox");
      t.ok(sim.requests.slice(before).every((r) => r.format === kind), `every call went out as ${kind}`);
      const everything = JSON.stringify(trace) + JSON.stringify(sub) + (await acme.call('GET', '/agents/llm-profiles')).body;
      t.notOk(everything.includes(sim.apiKey), "the provider key is in no trace and no profile answer");
      t.notOk(JSON.stringify(sim.requests.slice(before).map((r) => r.body)).includes(sim.apiKey), 'nor in any prompt');
      t.same(sim.unscripted, [], 'no request went unscripted');
    });
  }

  await t.test('rules mode runs the named tool with no model', async (t) => {
    const before = sim.requests.length;
    const id = await newTask(acme, { title: 'Tier of Initech', mode: 'rules', agentId: sara, input: { tool: 'acme_crm__lookup_customer', arguments: { name: 'Initech' } } });
    const done = await waitTask(acme, id);
    t.match(done, { status: 'completed', result: { tool: 'acme_crm__lookup_customer', status: 'done', result: { name: 'Initech', tier: 'silver' } } });
    t.equal(sim.requests.length, before, 'no model was asked');
    const bad = await acme.call('POST', '/agents/tasks', { title: 'x', mode: 'rules', agentId: sara });
    t.equal(bad.statusCode, 400, 'a rules task without its tool is refused');
    const skills = await newTask(acme, { title: 'Anyone with tiering', mode: 'rules', skills: ['tiering'], input: { tool: 'acme_crm__lookup_customer', arguments: { name: 'Umbrella' } } });
    const assigned = (await acme.call('GET', `/agents/tasks/${skills}`)).json() as { agentId: string };
    t.ok([sara, omar].includes(assigned.agentId), 'assigned to an agent with the skill');
    const none = await acme.call('POST', '/agents/tasks', { title: 'x', skills: ['welding'] });
    t.equal(none.json().code, 'AGENT_TASK_NO_AGENT');
  });

  await t.test('a delegation loop is stopped', async (t) => {
    // Lina leads a team Khalid is in, and Khalid one Lina is in: each may hand the other work, except work that came from the other.
    const lina = await agent(acme, { name: { ar: 'لينا', en: 'Lina' } });
    const khalid = await agent(acme, { name: { ar: 'خالد', en: 'Khalid' } });
    for (const [lead, member] of [
      [lina, khalid],
      [khalid, lina],
    ] as const) {
      const team = await acme.call('POST', '/agents/teams', { name: { ar: 'فريق', en: `Team of ${lead.slice(0, 8)}` }, department: 'sales', lead });
      t.equal(team.statusCode, 201, team.body);
      t.equal((await acme.call('PUT', `/agents/teams/${(team.json() as { id: string }).id}/members/${member}`)).statusCode, 200);
    }
    sim.on('Loop please', { toolCalls: [{ name: 'delegate_task', arguments: { agentId: khalid, title: 'Bounce it', description: 'x' } }] });
    const back = { toolCalls: [{ name: 'delegate_task', arguments: { agentId: lina, title: 'Back to you', description: 'x' } }] };
    sim.on('Bounce it', back);
    sim.on('DELEGATION_CYCLE', back, back);
    sim.on('TASK_LOOP_DETECTED', { text: 'Khalid could not do it' });
    const id = await newTask(acme, { title: 'Loop please', agentId: lina });
    const done = await waitTask(acme, id);
    t.match(done, { status: 'completed', result: { text: 'Khalid could not do it' } }, 'Lina got the failure back and answered');
    const trace = (await acme.call('GET', `/agents/tasks/${id}/trace`)).json() as { subtasks: Task[] };
    t.match(trace.subtasks, [{ status: 'failed', failure: { code: 'TASK_LOOP_DETECTED' } }], "Khalid's subtask was stopped as a loop");
    const sub = (await acme.call('GET', `/agents/tasks/${trace.subtasks[0]!.id}/trace`)).json() as { steps: Array<{ kind: string; result: any }>; subtasks: unknown[] };
    t.same(sub.subtasks, [], 'no task was ever handed back up');
    t.ok(sub.steps.some((s) => s.kind === 'tool' && /DELEGATION_CYCLE/.test(JSON.stringify(s.result))), 'the refusal is in the trace');
  });

  await t.test('an agent asks a coworker and uses the answer', async (t) => {
    sim.on('Quote for Umbrella', { toolCalls: [{ name: 'ask_coworker', arguments: { agentId: omar, question: 'Which discount does Umbrella get?' } }] });
    sim.on('Which discount does Umbrella get?', { text: 'Ten percent' });
    sim.on('Ten percent', { text: 'Quote sent with 10% off' });
    const id = await newTask(acme, { title: 'Quote for Umbrella', agentId: sara });
    t.match(await waitTask(acme, id), { status: 'completed', result: { text: 'Quote sent with 10% off' } });
    const trace = (await acme.call('GET', `/agents/tasks/${id}/trace`)).json() as { subtasks: Array<{ agentId: string; status: string; title: string }> };
    t.match(trace.subtasks, [{ agentId: omar, status: 'completed', title: 'Question from Agent' }], 'the question was a small task of the coworker');
  });

  await t.test('a token budget exhausted mid-task ends it with the reason', async (t) => {
    sim.on('Budget test', { toolCalls: [{ name: 'acme_crm__lookup_customer', arguments: { name: 'Acme' } }], usage: { input: 400, output: 200 } });
    const id = await newTask(acme, { title: 'Budget test', agentId: sara, budgetTokens: 500 });
    const done = await waitTask(acme, id);
    t.match(done, { status: 'failed', failure: { code: 'TASK_TOKEN_BUDGET', reason: /600 tokens used of a budget of 500/ } });
  });

  await t.test('an approval gate pauses the task; approval resumes it without repeating earlier calls', async (t) => {
    sim.on('Invoice Acme', {
      toolCalls: [
        { name: 'acme_crm__lookup_customer', arguments: { name: 'Acme' } },
        { name: 'post_invoice', arguments: { amount: 11500 } },
      ],
    });
    sim.on('"posted":true', { text: 'Invoice posted for Acme' });
    const id = await newTask(acme, { title: 'Invoice Acme', agentId: manager });
    const paused = await waitTask(acme, id, (task) => task.status === 'awaiting_approval');
    t.equal(paused.status, 'awaiting_approval');
    t.same(posted, [], 'nothing posted before a person approved');
    const trace = (await acme.call('GET', `/agents/tasks/${id}/trace`)).json() as { approvals: Array<{ id: string; tool: string; status: string }>; steps: Array<{ tool: string | null; status: string }> };
    t.match(trace.approvals, [{ tool: 'post_invoice', status: 'pending' }]);
    const lookups = trace.steps.filter((s) => s.tool === 'acme_crm__lookup_customer').length;
    const viewer = await acme.call('POST', `/agents/tasks/${id}/approvals/${trace.approvals[0]!.id}/approve`, {});
    t.equal(viewer.statusCode, 200, viewer.body);
    const done = await waitTask(acme, id);
    t.match(done, { status: 'completed', result: { text: 'Invoice posted for Acme' } });
    t.equal(posted.length, 1, 'posted once');
    const after = (await acme.call('GET', `/agents/tasks/${id}/trace`)).json() as { steps: Array<{ tool: string | null }> };
    t.equal(after.steps.filter((s) => s.tool === 'acme_crm__lookup_customer').length, lookups, 'the lookup before the gate was not run again');
    const again = await acme.call('POST', `/agents/tasks/${id}/approvals/${trace.approvals[0]!.id}/approve`, {});
    t.equal(again.statusCode, 409, 'an approval is decided once');
  });

  await t.test('a rejected approval ends the task as rejected', async (t) => {
    sim.on('Invoice Globex', { toolCalls: [{ name: 'post_invoice', arguments: { amount: 99 } }] });
    const id = await newTask(acme, { title: 'Invoice Globex', agentId: manager });
    await waitTask(acme, id, (task) => task.status === 'awaiting_approval');
    const approval = ((await acme.call('GET', `/agents/tasks/${id}/trace`)).json() as { approvals: Array<{ id: string }> }).approvals[0]!;
    await acme.call('POST', `/agents/tasks/${id}/approvals/${approval.id}/reject`, { note: 'wrong amount' });
    const done = await waitTask(acme, id);
    t.match(done, { status: 'rejected', failure: { code: 'APPROVAL_REJECTED', reason: /wrong amount/ } });
    t.equal(posted.length, 1, 'nothing more was posted');
  });

  await t.test("bad moves of the model are recorded and read back, never a crash", async (t) => {
    sim.on('Bad moves', { toolCalls: [{ name: 'no_such_tool', arguments: {} }] });
    sim.on('TOOL_UNKNOWN', { toolCalls: [{ name: 'acme_crm__lookup_customer', arguments: { nom: 'Acme' } }] });
    sim.on('TOOL_ARGUMENTS_INVALID', { toolCalls: [{ name: 'acme_crm__lookup_customer', arguments: '{"name": "Acm' }] });
    sim.on('not valid JSON', { text: 'I give up' });
    const id = await newTask(acme, { title: 'Bad moves', agentId: sara });
    const done = await waitTask(acme, id);
    t.match(done, { status: 'completed', result: { text: 'I give up' } });
    const trace = (await acme.call('GET', `/agents/tasks/${id}/trace`)).json() as { steps: Array<{ kind: string; status: string; result: any }> };
    t.same(
      trace.steps.filter((s) => s.kind === 'tool').map((s) => s.result.error.code),
      ['TOOL_UNKNOWN', 'TOOL_ARGUMENTS_INVALID', 'TOOL_ARGUMENTS_INVALID'],
      `each refusal is in the trace, with its reason for the model: ${JSON.stringify(trace.steps.filter((s) => s.kind === 'tool').map((s) => s.result))}`,
    );

    sim.on('Garbled', { raw: '{"id": "x", "choices": [' }, { raw: '{"id": "x", "choices": [' });
    const garbled = await newTask(acme, { title: 'Garbled', agentId: sara });
    t.match(await waitTask(acme, garbled), { status: 'failed', failure: { code: 'TASK_MODEL_FAILED', reason: /LLM_BAD_RESPONSE/ } });
    sim.on('Busy provider', { status: 429, headers: { 'retry-after': '0' } }, { text: 'done after a retry' });
    const busy = await newTask(acme, { title: 'Busy provider', agentId: sara });
    t.match(await waitTask(acme, busy), { status: 'completed', result: { text: 'done after a retry' } }, '429 is retried');
    t.same(sim.unscripted, []);
  });

  await t.test("a second tenant sees none of it and cannot use the first tenant's module tools", async (t) => {
    const globex = await tenant('globex');
    const list = (await acme.call('GET', '/agents/tasks?perPage=100')).json() as { items: Task[]; total: number };
    t.ok(list.total > 0);
    const theirs = (await globex.call('GET', '/agents/tasks')).json() as { items: Task[] };
    t.same(theirs.items, [], 'no tasks of acme in the list');
    for (const path of [`/agents/tasks/${list.items[0]!.id}`, `/agents/tasks/${list.items[0]!.id}/trace`]) t.equal((await globex.call('GET', path)).statusCode, 404, `${path}: 404`);
    const cancel = await globex.call('POST', `/agents/tasks/${list.items[0]!.id}/cancel`);
    t.equal(cancel.statusCode, 404);
    const globexAgent = await agent(globex, { tools: ['acme_crm__*'] });
    const id = await newTask(globex, { title: 'Borrow a tool', mode: 'rules', agentId: globexAgent, input: { tool: 'acme_crm__lookup_customer', arguments: { name: 'Acme' } } });
    const done = await waitTask(globex, id);
    t.match(done, { status: 'failed', failure: { code: 'TOOL_UNKNOWN' } }, 'the module is not installed for globex: no such tool');
    const acmeAgentTask = await globex.call('POST', '/agents/tasks', { title: 'x', agentId: manager });
    t.equal(acmeAgentTask.statusCode, 404, "globex cannot give acme's agent a task");
  });
});
