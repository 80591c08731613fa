import t from 'tap';
import { ModuleInstallSchema } from '../../plugins/marketplace/src/entities.js';
import { moduleDataRef } from '../../plugins/modules/src/index.js';
import { forEachEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { manifest, startMarketKernel } from './helpers.js';

/** The install hook writes a document, then (with `hang` set) outlives the hook deadline. */
const slowpoke = {
  manifest: manifest({
    id: 'acme.slowpoke',
    version: '1.0.0',
    collections: [{ name: 'items', schema: { type: 'object', required: ['title'], properties: { title: { type: 'string' } } } }],
    routes: [
      { method: 'GET', path: '/items', handler: 'list' },
      { method: 'POST', path: '/items', handler: 'add' },
    ],
    settings: { type: 'object', additionalProperties: false, properties: { hang: { type: 'boolean' } } },
  }),
  code: `import { defineModule, storage, settings, sleep } from 'dogan:module';
export default defineModule({
  routes: {
    list: async () => ({ status: 200, body: { items: (await storage.query('items', { sort: 'title', limit: 100 })).items.map((i) => i.title) } }),
    add: async (req) => ({ status: 201, body: await storage.insert('items', req.body) }),
  },
  hooks: {
    async install() {
      await storage.insert('items', { title: 'from-hook' });
      // Each sleep is capped by the sandbox; together they outlast the hook's deadline.
      while (settings.get().hang) await sleep(1000);
    },
  },
});`,
};

const HOOK_DEADLINE_MS = 6_000;

void forEachEngine(t, 'an install is visible only after its hook commits, and one operation per tenant and module runs at a time', async (t, engine) => {
  const { kernel, publish, tenants, api } = await startMarketKernel(t, {}, [], engine, { limits: { wallMs: { hook: HOOK_DEADLINE_MS } } });
  const { app } = kernel;
  await publish(slowpoke.manifest, slowpoke.code);
  const a = await createTenantWithKey(app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenantWithKey(app, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  type Who = typeof a;
  const req = (who: Who, method: string, path: string, payload?: unknown) =>
    app.inject({ method: method as 'GET', url: `/api/v1/${who.subdomain}${path}`, headers: who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const install = (who: Who, settings: object = {}) => req(who, 'POST', '/modules/acme.slowpoke/install', { grants: ['store'], settings });
  const data = kernel.host.service(moduleDataRef);
  const documentsOf = async (who: Who) => data.count(await tenants.tenants.get(who.id), 'acme.slowpoke');

  t.equal((await install(b)).statusCode, 201, 'B installs first and keeps working throughout');

  await t.test('while the install hook runs, and after it times out', async (t) => {
    const first = install(a, { hang: true });
    // The hook has written its document and is now waiting past its deadline.
    const started = Date.now();
    while ((await documentsOf(a)) === 0) {
      if (Date.now() - started > 30_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    t.equal(await documentsOf(a), 1, 'the hook is running');

    t.equal((await req(a, 'GET', '/apps/acme.slowpoke/items')).statusCode, 404, 'routes do not answer during the hook');
    t.equal((await req(a, 'POST', '/apps/acme.slowpoke/items', { title: 'sneaky' })).statusCode, 404, 'nor write');
    const second = await install(a);
    t.equal(second.statusCode, 409, second.body);
    t.equal(second.json().code, 'MODULE_OPERATION_IN_PROGRESS');
    t.ok(Number(second.headers['retry-after']) >= 1, 'with Retry-After');
    t.equal((await req(a, 'GET', '/modules/acme.slowpoke')).json().status, 'installing');
    t.equal((await req(a, 'DELETE', '/modules/acme.slowpoke')).json().code, 'MODULE_OPERATION_IN_PROGRESS', 'nor uninstall meanwhile');

    t.equal((await req(b, 'POST', '/apps/acme.slowpoke/items', { title: 'b-item' })).statusCode, 201, 'B writes meanwhile');
    t.equal((await req(b, 'GET', '/modules/acme.slowpoke')).json().status, 'installed');

    const failed = await first;
    t.equal(failed.statusCode, 502, failed.body);
    t.equal(failed.json().code, 'MODULE_INSTALL_FAILED');

    t.equal((await req(a, 'GET', '/modules/acme.slowpoke')).json().status, 'available', 'the tenant is as before the install');
    t.equal((await req(a, 'GET', '/apps/acme.slowpoke/items')).statusCode, 404);
    t.equal(await documentsOf(a), 0, "the hook's write is undone");
    const again = await install(a);
    t.equal(again.statusCode, 201, again.body);
    t.same((await req(a, 'GET', '/apps/acme.slowpoke/items')).json().items, ['from-hook'], 'a reinstall runs its hook once');
  });

  await t.test('a claim held by another node refuses; a lapsed one is taken over', async (t) => {
    t.equal((await req(a, 'DELETE', '/modules/acme.slowpoke?purge=true')).statusCode, 204);
    const em = tenants.controlPlane.em.fork();
    const now = new Date();
    const claim = {
      id: `${a.id}:acme.slowpoke`, tenantId: a.id, moduleId: 'acme.slowpoke', version: '1.0.0', grants: ['store'], settings: {},
      status: 'installing' as const, installedAt: now, updatedAt: now, operationId: 'other-node', operation: 'install' as const, leaseUntil: new Date(now.getTime() + 60_000),
    };
    await em.insert(ModuleInstallSchema, claim);
    const refused = await install(a);
    t.equal(refused.statusCode, 409);
    t.equal(refused.json().code, 'MODULE_OPERATION_IN_PROGRESS');
    t.equal((await req(a, 'GET', '/apps/acme.slowpoke/items')).statusCode, 404);
    // The other node died: its lease lapses.
    await em.nativeUpdate(ModuleInstallSchema, { id: claim.id }, { leaseUntil: new Date(now.getTime() - 1000) });
    t.equal((await req(a, 'GET', '/modules/acme.slowpoke')).json().status, 'available', 'a lapsed claim is no install');
    const taken = await install(a);
    t.equal(taken.statusCode, 201, taken.body);
    t.match(await api.installs.record(a.id, 'acme.slowpoke'), { status: 'installed', operationId: null });
    t.same((await req(b, 'GET', '/apps/acme.slowpoke/items')).json().items, ['b-item', 'from-hook'], "B's data is its own");
  });
});
