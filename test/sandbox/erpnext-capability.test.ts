import t, { type Test } from 'tap';
import { defineErrors } from '@dogan/runtime';
import type { ModuleManifest } from '@dogan/module-manifest';
import { moduleFromSource, type CapabilityCall, type ModuleRuntime } from '../../plugins/modules/src/index.js';
import { erpnextAllowed } from '../../runtime/src/sandbox/index.js';
import type { SandboxOptionsInput } from '../../runtime/src/sandbox/index.js';
import { manifestFor } from '../registry/helpers/releases.js';
import { startModulesKernel, type ModulesKernel } from './helpers.js';

/**
 * The `erpnext` capability from a module in the sandbox to the plugin that provides it: the sandbox
 * host checks the grant (doctype and access) before anything leaves the isolate's host, the kernel
 * checks it again, and only then does the provider registered with `provideCapability` run. The
 * provider here is a fake one registered through that seam; the ERPNext plugin registers the real one.
 */

const description = { en: 'e', ar: 'e' };

const manifest = manifestFor('acme.erp', '1.0.0', {
  permissions: [
    { name: 'customers', kind: 'erpnext', required: false, description, access: 'read', doctypes: ['Customer'] },
    { name: 'items', kind: 'erpnext', required: false, description, access: 'write', doctypes: ['Item', 'Item Price'] },
    { name: 'invoices', kind: 'erpnext', required: false, description, access: 'submit', doctypes: ['Sales Invoice'] },
  ],
  collections: [],
  routes: [
    { method: 'POST', path: '/op', handler: 'op' },
    { method: 'POST', path: '/uncaught', handler: 'uncaught' },
    { method: 'GET', path: '/api', handler: 'api' },
  ],
}) satisfies ModuleManifest;

// `op` runs erpnext[verb](doctype, ...args) `repeat` times and reports the value or the error as the module saw it.
const code = `import api, { erpnext } from 'dogan:module';
export const routes = {
  op: async (req) => {
    const { verb, doctype, args = [], repeat = 1 } = req.body;
    const values = [];
    try {
      for (let i = 0; i < repeat; i++) values.push(await erpnext[verb](doctype, ...args));
      return { status: 200, body: { ok: true, value: repeat === 1 ? values[0] : values } };
    } catch (err) {
      return { status: 200, body: { ok: false, code: err.code, message: err.message, name: err.name, isError: err instanceof Error, done: values.length } };
    }
  },
  uncaught: async (req) => ({ status: 200, body: await erpnext.get(req.body.doctype, req.body.name) }),
  api: () => ({ status: 200, body: { frozen: Object.isFrozen(erpnext), same: api.erpnext === erpnext, verbs: Object.keys(erpnext) } }),
};`;

// Stand-ins for the ERPNext plugin's DoganErrors (plugins/erpnext/src/errors.ts): what matters is that code and message arrive.
const Fake = defineErrors({
  ERPNEXT_NOT_FOUND: { status: 404, title: 'Not found in ERPNext', message: 'ERPNext: %s' },
  ERPNEXT_NOT_CONNECTED: { status: 409, title: 'No ERPNext connection', message: 'This tenant has no ERPNext connection named "%s"' },
});

/** A fake provider: records each call, answers with what it was asked, fails on chosen names. */
function fakeProvider(runtime: ModuleRuntime, answer?: (call: CapabilityCall) => unknown): CapabilityCall[] {
  const calls: CapabilityCall[] = [];
  runtime.provideCapability('erpnext', async (call) => {
    calls.push(call);
    const name = call.args.name;
    if (name === 'missing') throw Fake.ERPNEXT_NOT_FOUND(`${String(call.args.doctype)} ${name} not found`);
    if (call.args.connection === 'eu') throw Fake.ERPNEXT_NOT_CONNECTED('eu');
    if (name === 'boom') throw new Error('provider internals: password=hunter2');
    if (answer) return answer(call);
    return { op: call.op, doctype: call.args.doctype, ...(name === undefined ? {} : { name }), docstatus: 0, items: [{ qty: 1.5, rate: null }] };
  });
  return calls;
}

async function setup(t: Test, grants: string[], options: { sandbox?: SandboxOptionsInput; provider?: boolean; answer?: (call: CapabilityCall) => unknown } = {}) {
  const k = await startModulesKernel(t, { tenantCount: 2, sandbox: options.sandbox });
  k.runtime.register(moduleFromSource(manifest, code));
  await k.runtime.enableForTenant(k.tenant(0).id, 'acme.erp', grants);
  const calls = options.provider === false ? [] : fakeProvider(k.runtime, options.answer);
  const op = async (verb: string, doctype: string, args: unknown[] = [], extra: { tenant?: number; repeat?: number } = {}) =>
    (await k.call(k.tenant(extra.tenant ?? 0), 'acme.erp', '/op', { method: 'POST', body: { verb, doctype, args, repeat: extra.repeat ?? 1 } })).body as {
      ok: boolean;
      value?: any;
      code?: string;
      message?: string;
      name?: string;
      isError?: boolean;
      done?: number;
    };
  return { k, calls, op };
}

async function logMessages(k: ModulesKernel, tenant = 0): Promise<string[]> {
  return (await k.runtime.readLogs(k.tenant(tenant), 'acme.erp', { limit: 50 })).map((l) => l.message);
}

t.test('erpnextAllowed: exact doctypes, write includes read, submit includes write', async (t) => {
  const grants = { erpnext: [{ doctypes: ['Customer'], access: 'read' as const }, { doctypes: ['Item'], access: 'write' as const }, { doctypes: ['Sales Invoice'], access: 'submit' as const }] };
  const table: Array<[string, 'read' | 'write' | 'submit', boolean]> = [
    ['Customer', 'read', true],
    ['Customer', 'write', false],
    ['Customer', 'submit', false],
    ['customer', 'read', false],
    ['Customer ', 'read', false],
    ['Item', 'read', true],
    ['Item', 'write', true],
    ['Item', 'submit', false],
    ['Sales Invoice', 'read', true],
    ['Sales Invoice', 'write', true],
    ['Sales Invoice', 'submit', true],
    ['Sales Order', 'read', false],
    ['', 'read', false],
  ];
  for (const [doctype, verb, allowed] of table) t.equal(erpnextAllowed(grants, doctype, verb), allowed, `${verb} ${JSON.stringify(doctype)}`);
  t.equal(erpnextAllowed(grants.erpnext, 'Item', 'write'), true, 'the erpnext list alone works too');
  t.equal(erpnextAllowed({ erpnext: [] }, 'Customer', 'read'), false, 'no grant, no access');
  t.equal(erpnextAllowed(grants, 'Customer', 'admin' as never), false, 'an unknown verb is never allowed');
});

t.test('a read grant on Customer: get and list reach the provider with the call tenant, module and JSON arguments', async (t) => {
  const { k, calls, op } = await setup(t, ['customers']);
  const api = (await k.call(k.tenant(0), 'acme.erp', '/api')).body;
  t.same(api, { frozen: true, same: true, verbs: ['list', 'get', 'create', 'update', 'delete', 'submit', 'cancel'] }, 'a frozen API object, also on the default export');

  const got = await op('get', 'Customer', ['CUST-0001']);
  t.same(got, { ok: true, value: { op: 'erpnext.get', doctype: 'Customer', name: 'CUST-0001', docstatus: 0, items: [{ qty: 1.5, rate: null }] } });
  t.equal(calls.length, 1);
  t.equal(calls[0]!.tenant.id, k.tenant(0).id, 'the tenant comes from the call');
  t.equal(calls[0]!.moduleId, 'acme.erp');
  t.same(calls[0]!.args, { doctype: 'Customer', name: 'CUST-0001' });

  const query = { fields: ['name', 'customer_name'], filters: [['customer_group', '=', 'Commercial']], or_filters: { territory: ['in', ['KSA', 'UAE']] }, order_by: 'modified desc', limit_start: 20, limit_page_length: 10 };
  t.same((await op('list', 'Customer', [query])).ok, true);
  t.same(calls[1]!.args, { doctype: 'Customer', query }, 'the list query arrives as the module gave it');
  await op('list', 'Customer');
  t.same(calls[2]!.args, { doctype: 'Customer', query: {} }, 'no query is an empty one');
  await op('get', 'Customer', [42, { connection: 'riyadh' }]);
  t.same(calls[3]!.args, { doctype: 'Customer', name: '42', connection: 'riyadh' }, 'names are strings; a named connection is passed on');
  await op('list', 'Customer', [null, { connection: 'riyadh' }]);
  t.same(calls[4]!.args, { doctype: 'Customer', query: {}, connection: 'riyadh' });
  t.equal(calls[4]!.op, 'erpnext.list');
});

t.test('without the grant the sandbox refuses, and the provider is never called', async (t) => {
  const { k, calls, op } = await setup(t, ['customers']);
  const before = await k.metric('SANDBOX_PERMISSION_DENIED');
  const create = await op('create', 'Customer', [{ customer_name: 'Acme' }]);
  t.match(create, { ok: false, code: 'SANDBOX_PERMISSION_DENIED', name: 'DoganError', isError: true });
  t.match(create.message, /acme\.erp: erpnext\.create: ERPNext write on doctype "Customer" without the grant/);
  for (const [verb, args] of [['update', ['CUST-1', { customer_name: 'x' }]], ['delete', ['CUST-1']], ['submit', ['CUST-1']], ['cancel', ['CUST-1']]] as const) {
    t.match(await op(verb, 'Customer', [...args]), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' }, `${verb} needs more than read`);
  }
  for (const verb of ['get', 'list', 'create']) {
    const other = await op(verb, 'Sales Order', verb === 'get' ? ['SO-1'] : []);
    t.match(other, { ok: false, code: 'SANDBOX_PERMISSION_DENIED' }, `${verb} on an ungranted doctype`);
    t.match(other.message, /doctype "Sales Order"/);
  }
  t.match(await op('get', 'customer', ['CUST-1']), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' }, 'doctypes match exactly');
  t.match(await op('get', 'Item', ['ITEM-1']), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' }, 'a permission the tenant did not grant gives nothing');
  t.equal(calls.length, 0, 'the provider never saw a refused operation');
  t.equal((await k.metric('SANDBOX_PERMISSION_DENIED')) - before, 10, 'each refusal is a breach on /metrics');
  t.ok((await logMessages(k)).some((m) => /SANDBOX_PERMISSION_DENIED: .*erpnext\.create/.test(m)), "and in the module's log");
});

t.test('write allows create, update and delete; submit and cancel need submit access', async (t) => {
  const { calls, op } = await setup(t, ['items', 'invoices']);
  t.same((await op('create', 'Item', [{ item_code: 'PEN', item_group: 'Products' }])).ok, true);
  t.same(calls.at(-1)!.args, { doctype: 'Item', doc: { item_code: 'PEN', item_group: 'Products' } });
  t.same((await op('update', 'Item Price', ['IP-1', { price_list_rate: 12.5, modified: '2025-01-01 10:00:00.000000' }])).ok, true);
  t.same(calls.at(-1)!.args, { doctype: 'Item Price', name: 'IP-1', patch: { price_list_rate: 12.5, modified: '2025-01-01 10:00:00.000000' } });
  t.same((await op('delete', 'Item', ['PEN'])).ok, true);
  t.same((await op('get', 'Item', ['PEN'])).ok, true, 'write includes read');
  const seen = calls.length;
  t.match(await op('submit', 'Item', ['PEN']), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' });
  t.match(await op('cancel', 'Item', ['PEN']), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' });
  t.equal(calls.length, seen, 'refused before the provider');
  for (const verb of ['list', 'get', 'create', 'update', 'delete', 'submit', 'cancel']) {
    const args = verb === 'list' ? [] : verb === 'create' ? [{ customer: 'CUST-1' }] : verb === 'update' ? ['SINV-1', { remarks: 'x' }] : ['SINV-1'];
    t.same((await op(verb, 'Sales Invoice', args)).ok, true, `submit includes ${verb}`);
    t.equal(calls.at(-1)!.op, `erpnext.${verb}`);
  }
});

t.test("the provider's errors reach the module with their code and message", async (t) => {
  const { k, calls, op } = await setup(t, ['customers']);
  t.same(await op('get', 'Customer', ['missing']), { ok: false, code: 'ERPNEXT_NOT_FOUND', message: 'ERPNext: Customer missing not found', name: 'DoganError', isError: true, done: 0 });
  t.match(await op('list', 'Customer', [{}, { connection: 'eu' }]), { ok: false, code: 'ERPNEXT_NOT_CONNECTED', message: 'This tenant has no ERPNext connection named "eu"' });
  t.same(await op('get', 'Customer', ['boom']), { ok: false, code: 'SANDBOX_CAPABILITY_FAILED', message: 'the operation failed', name: 'DoganError', isError: true, done: 0 }, "an error that is not a DoganError says nothing of the provider's internals");
  const uncaught = await k.call(k.tenant(0), 'acme.erp', '/uncaught', { method: 'POST', body: { doctype: 'Customer', name: 'missing' } });
  t.equal(uncaught.status, 502, 'an uncaught provider error fails the route as a module error');
  t.equal(uncaught.body.code, 'SANDBOX_MODULE_ERROR');
  t.match(uncaught.body.detail, /ERPNext: Customer missing not found/);
  t.equal(calls.length, 4);
  t.notOk((await logMessages(k)).some((m) => m.includes('ERPNEXT_NOT_FOUND')), "a provider's refusal is no sandbox breach");
});

t.test("another tenant's install without the grant is refused; with no provider the capability is unavailable", async (t) => {
  const { k, calls, op } = await setup(t, ['customers']);
  await k.runtime.enableForTenant(k.tenant(1).id, 'acme.erp', ['items']);
  t.match(await op('get', 'Customer', ['CUST-1'], { tenant: 1 }), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' }, "tenant 0's grant is not tenant 1's");
  t.same((await op('get', 'Item', ['PEN'], { tenant: 1 })).ok, true);
  t.same((await op('get', 'Customer', ['CUST-1'], { tenant: 0 })).ok, true);
  t.same(
    calls.map((c) => [c.tenant.id, c.args.doctype]),
    [
      [k.tenant(1).id, 'Item'],
      [k.tenant(0).id, 'Customer'],
    ],
  );
  t.throws(() => k.runtime.provideCapability('erpnext', async () => null), /already provided/, 'one provider per capability');
  t.throws(() => k.runtime.provideCapability('erp', async () => null), /no module capability "erp"/);

  const bare = await setup(t, ['customers', 'items'], { provider: false });
  const unavailable = await bare.op('get', 'Customer', ['CUST-1']);
  t.match(unavailable, { ok: false, code: 'MODULE_CAPABILITY_UNAVAILABLE', message: 'The erpnext capability needs the erpnext plugin, which this platform does not load' });
  t.match(await bare.op('create', 'Customer', [{}]), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' }, 'the grant is checked first');
});

t.test('the kernel checks the grant again, whatever the sandbox host let through', async (t) => {
  const { k, calls } = await setup(t, ['customers']);
  const install = k.runtime.installed(k.tenant(0).id, 'acme.erp');
  // What a compromised sandbox host could send: an operation the isolate's grants would have refused.
  const capability = (k.runtime as unknown as { capability(invocation: unknown, op: string, args: Buffer): Promise<string> }).capability.bind(k.runtime);
  const invoke = (op: string, args: unknown) => capability({ context: { tenant: k.tenant(0), install, depth: 0 } }, op, Buffer.from(JSON.stringify(args)));
  await t.rejects(invoke('erpnext.create', { doctype: 'Customer', doc: {} }), { code: 'SANDBOX_PERMISSION_DENIED' });
  await t.rejects(invoke('erpnext.get', { doctype: 'Sales Order', name: 'SO-1' }), { code: 'SANDBOX_PERMISSION_DENIED' });
  await t.rejects(invoke('erpnext.get', { doctype: ['Customer'], name: 'x' }), { code: 'SANDBOX_PERMISSION_DENIED' }, 'a doctype that is not a string');
  await t.rejects(invoke('erpnext.purge', { doctype: 'Customer' }), { code: 'SANDBOX_PERMISSION_DENIED' }, 'an operation that does not exist');
  t.equal(calls.length, 0);
  t.equal(await invoke('erpnext.get', { doctype: 'Customer', name: 'CUST-1', tenantId: 'someone-else', extra: 1 }), JSON.stringify({ op: 'erpnext.get', doctype: 'Customer', name: 'CUST-1', docstatus: 0, items: [{ qty: 1.5, rate: null }] }));
  t.same(calls[0]!.args, { doctype: 'Customer', name: 'CUST-1' }, 'the provider gets only the arguments an operation takes');
});

t.test('operations count as outbound requests, and documents and answers are size-limited', async (t) => {
  const { k, calls, op } = await setup(t, ['items'], {
    sandbox: { limits: { maxHttpRequestsPerCall: 3, maxStorageValueBytes: 2_000, maxHttpResponseBytes: 5_000 } },
    answer: (call) => (call.args.name === 'big' ? { name: 'big', blob: 'x'.repeat(6_000) } : call.op === 'erpnext.get' ? { name: call.args.name } : null),
  });
  // The isolate's start counts as a call of the busy period it begins (twice the allowance then): warm it first.
  await k.call(k.tenant(0), 'acme.erp', '/api');
  const many = await op('get', 'Item', ['PEN'], { repeat: 5 });
  t.match(many, { ok: false, code: 'SANDBOX_HTTP_LIMIT', done: 3 });
  t.match(many.message, /more than 3 outbound requests in one call/);
  t.equal(calls.length, 3, 'the fourth never left the sandbox host');
  t.same((await op('get', 'Item', ['PEN'], { repeat: 3 })).value, [{ name: 'PEN' }, { name: 'PEN' }, { name: 'PEN' }], 'the count is per call');
  const large = await op('create', 'Item', [{ item_code: 'BIG', description: 'y'.repeat(4_000) }]);
  t.match(large, { ok: false, code: 'SANDBOX_HTTP_LIMIT' });
  t.match(large.message, /larger than 2000 bytes/);
  const answer = await op('get', 'Item', ['big']);
  t.match(answer, { ok: false, code: 'SANDBOX_HTTP_LIMIT' });
  t.match(answer.message, /erpnext\.get answered more than 5000 bytes/);
  t.same(await op('delete', 'Item', ['PEN']), { ok: true, value: null }, 'a provider answering nothing gives null');
  t.ok((await logMessages(k)).some((m) => m.includes('SANDBOX_HTTP_LIMIT')));
});
