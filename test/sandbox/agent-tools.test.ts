import t, { type Test } from 'tap';
import type { ModuleManifest } from '@dogan/module-manifest';
import { AGENT_TOOL_NAME, moduleAgentTools, moduleFromSource, moduleToolName, parseModuleToolName } from '../../plugins/modules/src/index.js';
import { manifestFor } from '../registry/helpers/releases.js';
import { startModulesKernel } from './helpers.js';

/**
 * Module agent tools, end to end: `ModuleRuntime.runTool` checks the call (install, grant, tool,
 * arguments against the tool's schema) before the sandbox runs the bundle's `tools` handler with a
 * job's limits; `toolsFor` and `moduleAgentTools` offer a tenant's agents its enabled modules' tools.
 */

const description = { en: 'd', ar: 'د' };

const crm = manifestFor('acme.crm', '1.0.0', {
  permissions: [
    { name: 'data', kind: 'storage', required: true, description },
    { name: 'tools', kind: 'agent-tools', required: false, description },
  ],
  collections: [
    {
      name: 'leads',
      schema: { type: 'object', required: ['name', 'idempotencyKey'], properties: { name: { type: 'string' }, idempotencyKey: { type: 'string' }, agentId: { type: ['string', 'null'] }, taskId: { type: ['string', 'null'] } } },
      indexes: [{ fields: ['idempotencyKey'], unique: true }],
    },
    { name: 'calls', schema: { type: 'object', properties: { tool: { type: 'string' } } } },
  ],
  routes: [{ method: 'GET', path: '/state', handler: 'state' }],
  agentTools: [
    {
      name: 'create_lead',
      description: { en: 'Create a sales lead', ar: 'إنشاء عميل محتمل' },
      parameters: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, score: { type: 'integer', minimum: 0 } } },
      handler: 'createLead',
    },
    {
      name: 'misbehave',
      description: { en: 'Fails on purpose', ar: 'يفشل عمداً' },
      parameters: { type: 'object', required: ['mode'], properties: { mode: { enum: ['code', 'plain', 'loop', 'big', 'echo'] } } },
      handler: 'misbehave',
    },
  ],
}) satisfies ModuleManifest;

// Every call of createLead is counted in `calls` before anything else, so a refused call shows as none.
const crmCode = `import { storage } from 'dogan:module';
const byKey = (key) => storage.query('leads', { where: { idempotencyKey: key }, limit: 1 });
export const routes = {
  state: async () => ({ status: 200, body: { leads: (await storage.query('leads', { limit: 100 })).items, calls: (await storage.query('calls', { limit: 100 })).items.length } }),
};
export const tools = {
  async createLead({ tool, arguments: args, idempotencyKey, agentId, taskId }) {
    await storage.insert('calls', { tool });
    const [done] = (await byKey(idempotencyKey)).items;
    if (done) return { id: done.id, created: false };
    const lead = await storage.insert('leads', { name: args.name, idempotencyKey, agentId: agentId ?? null, taskId: taskId ?? null });
    return { id: lead.id, created: true };
  },
  async misbehave(request) {
    const mode = request.arguments.mode;
    if (mode === 'code') throw Object.assign(new Error('a lead named Huda exists'), { code: 'LEAD_EXISTS' });
    if (mode === 'loop') for (;;) {}
    if (mode === 'big') return 'x'.repeat(100000);
    if (mode === 'echo') return request;
    throw new TypeError('plain failure');
  },
};`;

// Another module, its tools in the default export (the SDK's style).
const other = manifestFor('globex.desk', '2.0.0', {
  permissions: [{ name: 'tools', kind: 'agent-tools', required: true, description }],
  collections: [],
  routes: [],
  agentTools: [{ name: 'open_ticket', description: { en: 'Open a ticket', ar: 'فتح تذكرة' }, parameters: { type: 'object', properties: {} }, handler: 'openTicket' }],
}) satisfies ModuleManifest;
const otherCode = `import { defineModule, tenant } from 'dogan:module';
export default defineModule({ tools: { openTicket: async () => ({ ticket: 1, tenant: tenant.id }) } });`;

/** The error a promise rejects with (tap's `rejects` matches; this also reads `extensions`). */
async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; extensions: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string; extensions: unknown };
  }
  throw new Error('expected a rejection');
}

async function setup(t: Test) {
  const k = await startModulesKernel(t, {
    tenantCount: 3,
    sandbox: { limits: { cpuMs: { tool: 150 }, wallMs: { tool: 5_000 }, maxResponseBytes: 50_000 } },
  });
  k.runtime.register(moduleFromSource(crm, crmCode));
  k.runtime.register(moduleFromSource(other, otherCode));
  await k.runtime.enableForTenant(k.tenant(0).id, 'acme.crm', ['data', 'tools']);
  const state = async (n = 0) => (await k.call(k.tenant(n), 'acme.crm', '/state')).body as { leads: Array<Record<string, unknown>>; calls: number };
  return { k, runtime: k.runtime, a: k.tenant(0), b: k.tenant(1), c: k.tenant(2), state };
}

t.test('a tool runs in the sandbox, and a second call with the same idempotency key does not store twice', async (t) => {
  const { runtime, a, state } = await setup(t);
  const first = (await runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 'Huda' }, { idempotencyKey: 'task-1:step-1', agentId: 'agent-7', taskId: 'task-1' })) as { id: string; created: boolean };
  t.equal(first.created, true);
  const again = await runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 'Huda' }, { idempotencyKey: 'task-1:step-1' });
  t.same(again, { id: first.id, created: false }, 'the retry answers what the first call did');
  const other = (await runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 'Huda' }, { idempotencyKey: 'task-1:step-2' })) as { id: string; created: boolean };
  t.equal(other.created, true, 'a different key is a different call');
  const s = await state();
  t.equal(s.calls, 3, 'the handler ran three times');
  t.same(
    s.leads.map((l) => [l.name, l.idempotencyKey, l.agentId, l.taskId]).sort(),
    [
      ['Huda', 'task-1:step-1', 'agent-7', 'task-1'],
      ['Huda', 'task-1:step-2', null, null],
    ],
    'two leads: the handler got the key, the agent and the task',
  );
  const echoed = await runtime.runTool(a.id, 'acme.crm', 'misbehave', { mode: 'echo' }, { idempotencyKey: 'k' });
  t.same(echoed, { tool: 'misbehave', arguments: { mode: 'echo' }, idempotencyKey: 'k' }, 'the handler receives { tool, arguments, idempotencyKey }, nothing else');
});

t.test('arguments are checked against the tool schema before the handler runs; unknown tools are refused', async (t) => {
  const { runtime, a, state } = await setup(t);
  const bad = [
    [{}, /\/ must have required property 'name'/],
    [{ name: '' }, /\/name must NOT have fewer than 1 characters/],
    [{ name: 'Huda', score: -1 }, /\/score must be >= 0/],
    [{ name: 'Huda', tenantId: 'someone-else' }, /must NOT have additional properties/],
    ['Huda', /must be object/],
  ] as const;
  for (const [args, message] of bad) {
    await t.rejects(runtime.runTool(a.id, 'acme.crm', 'create_lead', args, { idempotencyKey: 'k1' }), { code: 'MODULE_TOOL_ARGUMENTS_INVALID', statusCode: 400, message }, `refused: ${JSON.stringify(args)}`);
  }
  const err = await failure(runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 5, score: 'high' }, { idempotencyKey: 'k1' }));
  t.same((err.extensions as { errors: unknown }).errors, [{ path: '/name', message: 'must be string' }, { path: '/score', message: 'must be integer' }], 'every problem is listed, with its path');
  await t.rejects(runtime.runTool(a.id, 'acme.crm', 'delete_everything', {}, { idempotencyKey: 'k1' }), { code: 'MODULE_TOOL_NOT_FOUND', message: /declares no agent tool "delete_everything"/ });
  await t.rejects(runtime.runTool(a.id, 'acme.crm', 'createLead', { name: 'x' }, { idempotencyKey: 'k1' }), { code: 'MODULE_TOOL_NOT_FOUND' }, 'a handler name is not a tool name');
  await t.rejects(runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 'x' }, { idempotencyKey: '' }), { code: 'MODULE_TOOL_IDEMPOTENCY_KEY_INVALID' });
  await t.rejects(runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 'x' }, { idempotencyKey: 'k'.repeat(201) }), { code: 'MODULE_TOOL_IDEMPOTENCY_KEY_INVALID' });
  t.same(await state(), { leads: [], calls: 0 }, 'the handler never ran');
});

t.test("a tool's errors reach the caller with its code and message; the sandbox's limits stop a tool", async (t) => {
  const { k, runtime, a } = await setup(t);
  const coded = await failure(runtime.runTool(a.id, 'acme.crm', 'misbehave', { mode: 'code' }, { idempotencyKey: 'k' }));
  t.match(coded, { code: 'MODULE_TOOL_FAILED', message: 'Tool "misbehave" of module "acme.crm" failed: LEAD_EXISTS: a lead named Huda exists' });
  t.same(coded.extensions, { moduleCode: 'LEAD_EXISTS', moduleMessage: 'a lead named Huda exists' });
  const plain = await failure(runtime.runTool(a.id, 'acme.crm', 'misbehave', { mode: 'plain' }, { idempotencyKey: 'k' }));
  t.match(plain, { code: 'MODULE_TOOL_FAILED', message: /failed: plain failure$/ });
  t.same(plain.extensions, { moduleMessage: 'plain failure' }, 'no code when the Error had none');

  const started = Date.now();
  await t.rejects(runtime.runTool(a.id, 'acme.crm', 'misbehave', { mode: 'loop' }, { idempotencyKey: 'k' }), { code: 'SANDBOX_CPU_LIMIT', message: /one tool call/ });
  t.ok(Date.now() - started < 4_000, `stopped by the CPU limit, not the deadline (${Date.now() - started} ms)`);
  t.equal(await k.metric('SANDBOX_CPU_LIMIT'), 1, 'counted as a breach');
  await t.rejects(runtime.runTool(a.id, 'acme.crm', 'misbehave', { mode: 'big' }, { idempotencyKey: 'k' }), { code: 'SANDBOX_RESPONSE_TOO_LARGE' }, 'an answer over the response limit is refused');
  t.match(await runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 'After' }, { idempotencyKey: 'k2' }), { created: true }, 'the module answers again after its isolate was recycled');

  const release = runtime.hold(a.id, 'acme.crm');
  await t.rejects(runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 'x' }, { idempotencyKey: 'k3' }), { code: 'MODULE_CHANGING' }, 'a module being upgraded is held, as jobs are');
  release();
});

t.test("tenants: another tenant cannot call a module it has not enabled, nor reach the first tenant's data", async (t) => {
  const { runtime, a, b, c, state } = await setup(t);
  await runtime.runTool(a.id, 'acme.crm', 'create_lead', { name: 'Huda' }, { idempotencyKey: 'same-key' });
  await t.rejects(runtime.runTool(b.id, 'acme.crm', 'create_lead', { name: 'Mallory' }, { idempotencyKey: 'same-key' }), { code: 'MODULE_NOT_ENABLED' });
  t.same(runtime.toolsFor(b.id), [], 'tenant b is offered nothing');
  t.same(moduleAgentTools(runtime, b.id), []);
  const [createLead] = moduleAgentTools(runtime, a.id);
  await t.rejects(createLead!.run({ tenantId: b.id, idempotencyKey: 'same-key' }, { name: 'Mallory' }), { code: 'MODULE_NOT_ENABLED' }, "a's tool object, run for b, runs as b: the tenant comes from the context");

  await runtime.enableForTenant(b.id, 'globex.desk', ['tools']);
  t.same(runtime.toolsFor(b.id), [{ moduleId: 'globex.desk', name: 'open_ticket', description: { en: 'Open a ticket', ar: 'فتح تذكرة' }, parameters: { type: 'object', properties: {} } }], "only b's enabled module");
  t.same(await runtime.runTool(b.id, 'globex.desk', 'open_ticket', {}, { idempotencyKey: 'x' }), { ticket: 1, tenant: b.id }, 'a tool of the default export, run in b');
  await t.rejects(runtime.runTool(a.id, 'globex.desk', 'open_ticket', {}, { idempotencyKey: 'x' }), { code: 'MODULE_NOT_ENABLED' });

  await runtime.enableForTenant(b.id, 'acme.crm', ['data', 'tools']);
  t.same(await runtime.runTool(b.id, 'acme.crm', 'create_lead', { name: 'Bilal' }, { idempotencyKey: 'same-key' }).then((r) => (r as { created: boolean }).created), true, "b's store has no lead of a's with that key");
  t.same((await state(0)).leads.map((l) => l.name), ['Huda']);
  t.same((await state(1)).leads.map((l) => l.name), ['Bilal']);

  await runtime.enableForTenant(c.id, 'acme.crm', ['data']);
  t.same(runtime.toolsFor(c.id), [], 'without its agent-tools grant a module offers no tools');
  await t.rejects(runtime.runTool(c.id, 'acme.crm', 'create_lead', { name: 'x' }, { idempotencyKey: 'k' }), { code: 'MODULE_TOOL_NOT_GRANTED' });
  t.same((await state(2)).calls, 0);

  t.same(
    runtime.toolsFor(a.id).map((tool) => `${tool.moduleId}/${tool.name}`),
    ['acme.crm/create_lead', 'acme.crm/misbehave'],
    "a is offered its module's two tools",
  );
  await runtime.disableForTenant(a.id, 'acme.crm');
  t.same(runtime.toolsFor(a.id), [], 'and none once it is disabled');
});

t.test('moduleAgentTools: model-safe names that map back, and calls that pass the idempotency key through', async (t) => {
  const { runtime, a, state } = await setup(t);
  const tools = moduleAgentTools(runtime, a.id);
  t.same(
    tools.map((tool) => [tool.name, tool.risky, tool.moduleId, tool.tool]),
    [
      ['acme_crm__create_lead', false, 'acme.crm', 'create_lead'],
      ['acme_crm__misbehave', false, 'acme.crm', 'misbehave'],
    ],
  );
  for (const tool of tools) t.same(parseModuleToolName(tool.name), { moduleId: tool.moduleId, tool: tool.tool }, `${tool.name} maps back`);
  t.same(tools[0]!.description, { en: 'Create a sales lead', ar: 'إنشاء عميل محتمل' });
  t.same(tools[0]!.inputSchema, crm.agentTools[0]!.parameters);

  const context = { tenantId: a.id, agentId: 'agent-1', taskId: 'task-9', idempotencyKey: 'task-9:1' };
  const first = (await tools[0]!.run(context, { name: 'Huda' })) as { id: string; created: boolean };
  t.same(await tools[0]!.run(context, { name: 'Huda' }), { id: first.id, created: false }, "the context's key dedupes the retry");
  t.match(await tools[0]!.run({ tenantId: a.id }, { name: 'Huda' }), { created: true }, 'without a key each call is its own');
  t.same((await state()).leads.map((l) => [l.idempotencyKey === 'task-9:1', l.agentId, l.taskId]).sort(), [
    [false, null, null],
    [true, 'agent-1', 'task-9'],
  ]);
  await t.rejects(tools[0]!.run({ tenantId: a.id, idempotencyKey: 'z' }, { name: 3 }), { code: 'MODULE_TOOL_ARGUMENTS_INVALID' });
  const aborted = new AbortController();
  aborted.abort();
  await t.rejects(tools[0]!.run({ tenantId: a.id, signal: aborted.signal }, { name: 'x' }), { name: 'AbortError' }, 'a cancelled run starts nothing');

  // Names: dots become `_`, the tool follows `__`; the first `__` always ends the module id.
  t.equal(moduleToolName('acme.crm', 'create_lead'), 'acme_crm__create_lead');
  t.equal(moduleToolName('my-pub.the-crm', 'do__it_'), 'my-pub_the-crm__do__it_');
  t.same(parseModuleToolName('my-pub_the-crm__do__it_'), { moduleId: 'my-pub.the-crm', tool: 'do__it_' }, 'a tool name with `__` of its own maps back too');
  t.equal(parseModuleToolName('erpnext_get_document'), undefined, "another plugin's tool is not a module's");
  t.equal(parseModuleToolName('a_b_c__d'), undefined, 'a module id has one dot');
  const longId = `acme-${'p'.repeat(30)}.${'n'.repeat(60)}`;
  const long1 = moduleToolName(longId, `create_${'x'.repeat(50)}`);
  const long2 = moduleToolName(longId, `create_${'x'.repeat(49)}y`);
  for (const name of [long1, long2]) {
    t.ok(name.length <= 64 && AGENT_TOOL_NAME.test(name), `${name} is a name models accept`);
    t.equal(parseModuleToolName(name), undefined, 'a shortened name is never read as another plain one');
  }
  t.not(long1, long2, 'two long tools that share their first 64 characters get different names');
  t.equal(moduleToolName(longId, 'a'), moduleToolName(longId, 'a'), 'names are stable');
});
