import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import type { ModuleManifest } from '@dogan/module-manifest';
import { firstPartyPlugins } from '@dogan/distribution';
import { agentToolRegistryRef, buildKernel, createLogger, type AgentTool, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef, type Tenant } from '@dogan/tenants';
import agentsPlugin, { agentTasksRef } from '@dogan/plugin-agents';
import { createModulesPlugin, moduleFromSource, modulesRuntimeRef } from '@dogan/plugin-modules';
import erpnextPlugin, { erpnextApiRef } from '@dogan/plugin-erpnext';
import type { AgentTaskStep, ErpnextStep, ModuleRouteStep, ModuleToolStep } from '../../plugins/workflows/src/definition/types.js';
import type { StepContext, StepExecutor, StepOutcome } from '../../plugins/workflows/src/steps/step-executor.js';
import { agentTaskExecutor, erpnextExecutor, moduleRouteExecutor, moduleToolExecutor } from '../../plugins/workflows/src/steps/index.js';
import { withEngine } from '../helpers/engines.js';
import { adminHeaders } from '../helpers/tenant-fixtures.js';
import { manifestFor } from '../registry/helpers/releases.js';
import { startFrappeSite } from '../simulators/frappe/index.js';

/**
 * The action steps that call other plugins, against the real plugins in one kernel: a module's route
 * and tool in the sandbox, an agent's task run by the task worker (rules mode, no model), and ERPNext
 * through a tenant's connection to the Frappe simulator. Each shows what the step outputs, how the
 * attempt's key makes a repeated call the same call, and which failures are retryable.
 */

const description = { en: 'd', ar: 'د' };
const crm = manifestFor('acme.crm', '1.0.0', {
  permissions: [
    { name: 'data', kind: 'storage', required: true, description },
    { name: 'tools', kind: 'agent-tools', required: false, description },
  ],
  collections: [
    { name: 'notes', schema: { type: 'object', properties: { key: { type: 'string' }, text: { type: 'string' } } }, indexes: [{ fields: ['key'] }] },
    { name: 'leads', schema: { type: 'object', properties: { key: { type: 'string' }, name: { type: 'string' } } }, indexes: [{ fields: ['key'] }] },
  ],
  routes: [
    { method: 'POST', path: '/notes', handler: 'createNote' },
    { method: 'GET', path: '/answer/:status', handler: 'answer' },
    { method: 'GET', path: '/boom', handler: 'boom' },
  ],
  agentTools: [
    {
      name: 'create_lead',
      description: { en: 'Create a lead', ar: 'إنشاء عميل محتمل' },
      parameters: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
      handler: 'createLead',
    },
  ],
}) satisfies ModuleManifest;
// Both keep the caller's idempotency key with what they create and find it again on a repeat.
const crmCode = `import { storage } from 'dogan:module';
const byKey = async (collection, key) => (await storage.query(collection, { where: { key }, limit: 1 })).items[0];
export const routes = {
  async createNote(req) {
    const key = req.headers['idempotency-key'];
    const found = await byKey('notes', key);
    if (found) return { status: 200, headers: { 'x-note-id': found.id }, body: { id: found.id, again: true } };
    const note = await storage.insert('notes', { key, text: req.body.text });
    return { status: 201, headers: { 'x-note-id': note.id }, body: { id: note.id, again: false, query: req.query, type: req.headers['content-type'] } };
  },
  answer: (req) => ({ status: Number(req.params.status), headers: {}, body: { said: Number(req.params.status) } }),
  boom: () => { throw new Error('the module fell over'); },
};
export const tools = {
  async createLead({ arguments: args, idempotencyKey }) {
    const found = await byKey('leads', idempotencyKey);
    if (found) return { id: found.id, created: false };
    const lead = await storage.insert('leads', { key: idempotencyKey, name: args.name });
    return { id: lead.id, created: true, keyLength: idempotencyKey.length };
  },
};`;

const log = createLogger({ LOG_LEVEL: 'silent' });

function context(tenant: Tenant, idempotencyKey: string, extra: Partial<StepContext> = {}): StepContext {
  return { tenant, workflowId: 'wf-1', runId: 'run-1', stepKey: 'step', attempt: 1, idempotencyKey, state: null, signal: new AbortController().signal, log, ...extra };
}

/** Calls a waiting step again with the state it saved until it is done (or throws), looking every 20 ms. */
async function runToEnd<S extends AgentTaskStep>(executor: StepExecutor<S>, step: S, ctx: StepContext, timeoutMs = 30_000): Promise<{ outcome: StepOutcome; calls: number }> {
  const until = Date.now() + timeoutMs;
  let state: Record<string, unknown> | null = ctx.state;
  for (let calls = 1; ; calls++) {
    const outcome = await executor.perform(step, { ...ctx, state });
    if (outcome.kind === 'done') return { outcome, calls };
    if (Date.now() > until) throw new Error(`still waiting: ${outcome.reason}`);
    state = outcome.state;
    await new Promise((r) => setTimeout(r, 20));
  }
}

void withEngine(t, 'module, agent and ERPNext steps against the real plugins', 'sqlite', async (t, engine) => {
  const config = engine.config({ AGENTS_POLL_INTERVAL_MS: '50', ERPNEXT_ALLOW_PRIVATE_NETWORKS: 'true', ERPNEXT_TIMEOUT_MS: '3000' });
  const kernel = await buildKernel({
    config,
    plugins: [tenantsPlugin, createModulesPlugin({ sandbox: { hosts: 1 } }) as PluginDefinition, agentsPlugin as PluginDefinition, erpnextPlugin as PluginDefinition],
    catalog: firstPartyPlugins,
  });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  const tenants = kernel.host.service(tenantsApiRef);
  const runtime = kernel.host.service(modulesRuntimeRef);
  runtime.register(moduleFromSource(crm, crmCode));
  const acme = await tenants.tenants.create({ name: 'Acme', subdomain: 'acme', locale: 'en' }, 'test');
  const globex = await tenants.tenants.create({ name: 'Globex', subdomain: 'globex', locale: 'en' }, 'test');
  await runtime.enableForTenant(acme.id, 'acme.crm', ['data', 'tools']);
  // Globex has the module without letting it offer tools.
  await runtime.enableForTenant(globex.id, 'acme.crm', ['data']);

  await t.test('module_route: 2xx is the output; the attempt key reaches the module, which does a repeat once', async (t) => {
    const route = moduleRouteExecutor(() => runtime);
    const step: ModuleRouteStep = { id: 'note', type: 'module_route', module: 'acme.crm', method: 'POST', path: '/notes', query: { page: 2, tags: ['a', 'b'], skip: null }, body: { text: 'Call back' } };
    const first = await route.perform(step, context(acme, 'run-1:note:1'));
    t.match(first, { kind: 'done', output: { status: 201, headers: { 'x-note-id': String }, body: { again: false, query: { page: '2', tags: ['a', 'b'] }, type: 'application/json' } } });
    const id = (first as { output: { body: { id: string } } }).output.body.id;
    t.match(await route.perform(step, context(acme, 'run-1:note:1')), { kind: 'done', output: { status: 200, body: { id, again: true } } }, 'a resumed attempt finds its note');
    t.match(await route.perform({ ...step, path: 'notes' }, context(acme, 'run-1:note:2')), { kind: 'done', output: { status: 201, body: { again: false } } }, 'a path without its slash is the same route');
  });

  await t.test("module_route: the module's 4xx is final, its 5xx and a failing handler are retried, platform refusals are final", async (t) => {
    const route = moduleRouteExecutor(() => runtime);
    const get = (path: string, module = 'acme.crm'): ModuleRouteStep => ({ id: 'call', type: 'module_route', module, method: 'GET', path });
    await t.rejects(route.perform(get('/answer/404'), context(acme, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: false, details: { status: 404 } });
    await t.rejects(route.perform(get('/answer/422'), context(acme, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: false, details: { status: 422 } });
    await t.rejects(route.perform(get('/answer/503'), context(acme, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: true, details: { status: 503 } });
    await t.rejects(route.perform(get('/boom'), context(acme, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: true, details: { cause: 'SANDBOX_MODULE_ERROR' } });
    await t.rejects(route.perform(get('/nothing-here'), context(acme, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: false, details: { cause: 'MODULE_ROUTE_NOT_FOUND' } });
    await t.rejects(route.perform(get('/notes', 'other.module'), context(acme, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: false, details: { cause: 'MODULE_NOT_ENABLED' }, message: /MODULE_NOT_ENABLED/ });
  });

  await t.test('module_tool: runs the tool with the attempt key (hashed when too long); refusals are final', async (t) => {
    const tool = moduleToolExecutor(() => runtime);
    const step: ModuleToolStep = { id: 'lead', type: 'module_tool', module: 'acme.crm', tool: 'create_lead', arguments: { name: 'Huda' } };
    const first = await tool.perform(step, context(acme, 'run-1:lead:1'));
    t.match(first, { kind: 'done', output: { created: true, keyLength: 'run-1:lead:1'.length } });
    t.match(await tool.perform(step, context(acme, 'run-1:lead:1')), { kind: 'done', output: { id: (first as { output: { id: string } }).output.id, created: false } });
    const long = `run-1:${'loop[1].'.repeat(40)}lead:1`;
    const hashed = await tool.perform(step, context(acme, long));
    t.match(hashed, { kind: 'done', output: { created: true, keyLength: 'workflow:'.length + 64 } }, 'a key longer than 200 characters goes as its hash');
    t.match(await tool.perform(step, context(acme, long)), { kind: 'done', output: { created: false } }, 'the same long key is the same call');
    await t.rejects(tool.perform({ ...step, arguments: { name: '' } }, context(acme, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: false, details: { cause: 'MODULE_TOOL_ARGUMENTS_INVALID' } });
    await t.rejects(tool.perform({ ...step, tool: 'no_such_tool' }, context(acme, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: false, details: { cause: 'MODULE_TOOL_NOT_FOUND' } });
    await t.rejects(tool.perform(step, context(globex, 'k')), { code: 'WORKFLOW_MODULE_CALL_FAILED', retryable: false, details: { cause: 'MODULE_TOOL_NOT_GRANTED' } }, 'globex did not grant agent-tools');
  });

  await t.test('agent_task: creates the task once per key, waits for it, and ends with its result or its failure', async (t) => {
    const api = kernel.host.service(agentTasksRef);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tools: AgentTool[] = [
      { name: 'lookup', description: { en: 'Look up a tier', ar: 'بحث' }, inputSchema: { type: 'object', properties: { name: { type: 'string' } } }, risky: false, run: async (_ctx, input) => ({ tier: input.name === 'Acme' ? 'gold' : 'silver' }) },
      {
        name: 'hold',
        description: { en: 'Waits for the test', ar: 'ينتظر' },
        inputSchema: { type: 'object', properties: {} },
        risky: false,
        run: async () => {
          await held;
          return { held: true };
        },
      },
      {
        name: 'explode',
        description: { en: 'Fails', ar: 'يفشل' },
        inputSchema: { type: 'object', properties: {} },
        risky: false,
        run: async () => {
          throw Object.assign(new Error('the ledger is closed'), { code: 'LEDGER_CLOSED' });
        },
      },
    ];
    kernel.host.service(agentToolRegistryRef).register('workflow-test', tools);
    const created = await kernel.app.inject({
      method: 'POST',
      url: '/api/v1/acme/agents',
      headers: adminHeaders,
      payload: { name: { ar: 'سارة', en: 'Sara' }, title: { ar: 'موظفة', en: 'Officer' }, role: 'officer', department: 'sales', skills: ['tiering'], tools: ['lookup', 'hold', 'explode'] },
    });
    t.equal(created.statusCode, 201, created.body);
    const agentId = (created.json() as { id: string }).id;
    const lookup: AgentTaskStep = { id: 'tier', type: 'agent_task', agent: agentId, title: 'Tier of Acme', mode: 'rules', input: { tool: 'lookup', arguments: { name: 'Acme' } } };

    await t.test('the same key gives the same task; another key another', async (t) => {
      const executor = agentTaskExecutor(() => api, { pollMs: 20 });
      const first = await executor.perform(lookup, context(acme, 'run-2:tier:1'));
      t.match(first, { kind: 'wait', state: { taskId: String, polls: 0 }, reason: /^agent task / });
      const again = await executor.perform(lookup, context(acme, 'run-2:tier:1'));
      const taskId = first.kind === 'wait' ? first.state.taskId : undefined;
      t.equal(again.kind === 'wait' ? again.state.taskId : (again.output as { taskId: string }).taskId, taskId, 'a resumed attempt finds its task');
      const other = await executor.perform({ ...lookup, wait: false }, context(acme, 'run-2:tier:2'));
      t.match(other, { kind: 'done', output: { taskId: String, status: String } }, 'wait: false ends at creation');
      t.not((other as { output: { taskId: string } }).output.taskId, taskId);
      const task = await api.get(acme.id, taskId as string);
      t.ok(task, 'the task is there through the API');
    });

    await t.test('waits until the task completes, then outputs its result', async (t) => {
      const executor = agentTaskExecutor(() => api, { pollMs: 20 });
      const { outcome } = await runToEnd(executor, lookup, context(acme, 'run-3:tier:1'));
      t.match(outcome, { kind: 'done', output: { taskId: String, status: 'completed', result: { tool: 'lookup', status: 'done', result: { tier: 'gold' } } } });
    });

    await t.test('looks again later and later, up to the cap, while the task runs', async (t) => {
      const executor = agentTaskExecutor(() => api, { pollMs: 100, pollFactor: 2, maxPollMs: 500, now: () => 1_000 });
      const step: AgentTaskStep = { ...lookup, title: 'Hold on', input: { tool: 'hold', arguments: {} } };
      let outcome = await executor.perform(step, context(acme, 'run-4:hold:1'));
      const untils: number[] = [];
      for (let i = 0; i < 4 && outcome.kind === 'wait'; i++) {
        untils.push(outcome.until!);
        outcome = await executor.perform(step, context(acme, 'run-4:hold:1', { state: outcome.state }));
      }
      t.same(untils, [1_100, 1_200, 1_400, 1_500]);
      release();
      const { outcome: done } = await runToEnd(executor, step, context(acme, 'run-4:hold:1', { state: outcome.kind === 'wait' ? outcome.state : null }));
      t.match(done, { kind: 'done', output: { status: 'completed', result: { result: { held: true } } } });
    });

    await t.test("a failed task fails the step for good with the task's code and reason", async (t) => {
      const executor = agentTaskExecutor(() => api, { pollMs: 20 });
      const step: AgentTaskStep = { ...lookup, title: 'Post to the ledger', input: { tool: 'explode', arguments: {} } };
      await t.rejects(runToEnd(executor, step, context(acme, 'run-5:post:1')), {
        name: 'StepFailure',
        code: 'WORKFLOW_AGENT_TASK_FAILED',
        retryable: false,
        details: { status: 'failed', failureCode: 'LEDGER_CLOSED' },
        message: /ended failed: LEDGER_CLOSED/,
      });
    });

    await t.test('a refused creation is final, except when no agent with the skills is available', async (t) => {
      const executor = agentTaskExecutor(() => api);
      await t.rejects(executor.perform({ ...lookup, agent: '00000000-0000-0000-0000-000000000000' }, context(acme, 'run-6:a:1')), { code: 'WORKFLOW_AGENT_TASK_REFUSED', retryable: false, details: { cause: 'AGENT_TASK_AGENT_UNKNOWN' } });
      await t.rejects(executor.perform({ ...lookup, input: {} }, context(acme, 'run-6:b:1')), { code: 'WORKFLOW_AGENT_TASK_REFUSED', retryable: false, details: { cause: 'AGENT_TASK_INVALID' } });
      const { agent: _agent, ...bySkills } = lookup;
      await t.rejects(executor.perform({ ...bySkills, skills: ['astrophysics'] }, context(acme, 'run-6:c:1')), { code: 'WORKFLOW_AGENT_TASK_REFUSED', retryable: true, details: { cause: 'AGENT_TASK_NO_AGENT' } });
      t.match(await executor.perform({ ...bySkills, skills: ['tiering'], wait: false }, context(acme, 'run-6:d:1')), { kind: 'done' }, 'an agent with the skills takes it');
    });
  });

  await t.test("erpnext: the operation's result is the output; ERPNext's refusals are final, its failures retried", async (t) => {
    const site = await startFrappeSite();
    t.teardown(() => site.close());
    const api = kernel.host.service(erpnextApiRef);
    await api.connections.save(acme.id, { baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret });
    const erpnext = erpnextExecutor(() => api);
    const step = (operation: ErpnextStep['operation'], args: Record<string, unknown>): ErpnextStep => ({ id: 'erp', type: 'erpnext', operation, arguments: args });
    const created = await erpnext.perform(step('create', { doctype: 'ToDo', doc: { description: 'Prepare the quote' } }), context(acme, 'e1'));
    t.match(created, { kind: 'done', output: { doctype: 'ToDo', name: String, description: 'Prepare the quote' } });
    const name = (created as { output: { name: string } }).output.name;
    t.ok(site.document('ToDo', name), 'the document is in the site');
    t.match(await erpnext.perform(step('get', { doctype: 'ToDo', name }), context(acme, 'e2')), { kind: 'done', output: { name, description: 'Prepare the quote' } });
    await t.rejects(erpnext.perform(step('get', { doctype: 'ToDo', name: 'missing' }), context(acme, 'e3')), { code: 'WORKFLOW_ERPNEXT_FAILED', retryable: false, details: { cause: 'ERPNEXT_NOT_FOUND' } });
    await t.rejects(erpnext.perform(step('get', { doctype: 'ToDo' }), context(acme, 'e4')), { code: 'WORKFLOW_ERPNEXT_FAILED', retryable: false, details: { cause: 'ERPNEXT_REQUEST_INVALID' } });
    site.failNext({ status: 500, body: { exc_type: 'Exception', exception: 'boom' } });
    await t.rejects(erpnext.perform(step('get', { doctype: 'ToDo', name }), context(acme, 'e5')), { code: 'WORKFLOW_ERPNEXT_FAILED', retryable: true, details: { cause: 'ERPNEXT_SERVER_ERROR' } });
    await t.rejects(erpnext.perform(step('list', { doctype: 'ToDo' }), context(globex, 'e6')), { code: 'WORKFLOW_ERPNEXT_FAILED', retryable: false, details: { cause: 'ERPNEXT_NOT_CONNECTED' } }, 'globex has no connection');
  });
});
