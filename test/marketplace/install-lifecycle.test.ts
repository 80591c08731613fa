import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { adminHeaders, createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { tasksV1, tasksV2, tasksV3Broken } from './fixtures.js';
import { startMarketKernel } from './helpers.js';

void forEachEngine(t, 'a module through its life on one tenant, while another tenant sees nothing of it', async (t, engine) => {
  const { kernel, publish, api } = await startMarketKernel(t, {}, [], engine);
  const { app } = kernel;
  for (const release of [tasksV1, tasksV2, tasksV3Broken]) await publish(release.manifest, release.code);
  const a = await createTenantWithKey(app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenantWithKey(app, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  type Who = typeof a;
  const req = (who: Who, method: string, path: string, payload?: unknown) =>
    app.inject({ method: method as 'GET', url: `/api/v1/${who.subdomain}${path}`, headers: who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const tasks = async (who: Who) => (await req(who, 'GET', '/apps/acme.tasks/tasks')).json().tasks as Array<{ title: string; done?: boolean }>;

  await t.test('the catalog shows the module, its permissions and the tenant status', async (t) => {
    const res = await req(a, 'GET', '/modules');
    t.equal(res.statusCode, 200, res.body);
    const entry = res.json().items.find((i: { id: string }) => i.id === 'acme.tasks');
    t.match(entry, { status: 'available', installedVersion: null, latestVersion: '1.2.0', permissions: [{ name: 'store', required: true, description: 'Keep tasks' }] });
    const ar = await app.inject({ url: `/api/v1/${a.subdomain}/modules/acme.tasks`, headers: { ...a.headers, 'accept-language': 'ar' } });
    t.equal(ar.json().permissions.find((p: { name: string }) => p.name === 'store').description, 'حفظ المهام');
  });

  await t.test('installing without a required grant is refused and changes nothing', async (t) => {
    const res = await req(a, 'POST', '/modules/acme.tasks/install', { version: '1.0.0', grants: [] });
    t.equal(res.statusCode, 400);
    t.match(res.json(), { code: 'MODULE_GRANTS_MISSING', missing: ['store'] });
    t.equal((await req(a, 'GET', '/apps/acme.tasks/tasks')).statusCode, 404);
    t.equal((await req(a, 'GET', '/modules/acme.tasks')).json().status, 'available');
  });

  await t.test('A installs v1 and its route writes and reads its collection', async (t) => {
    const res = await req(a, 'POST', '/modules/acme.tasks/install', { version: '1.0.0', grants: ['store'], settings: { team: 'ops', token: 's3cret' } });
    t.equal(res.statusCode, 201, res.body);
    t.match(res.json(), { moduleId: 'acme.tasks', version: '1.0.0', status: 'installed', grants: ['store'] });
    t.equal((await req(a, 'POST', '/apps/acme.tasks/tasks', { title: 'alpha' })).statusCode, 201);
    t.equal((await req(a, 'POST', '/apps/acme.tasks/tasks', { title: 'beta' })).statusCode, 201);
    t.same((await tasks(a)).map((x) => x.title), ['alpha', 'beta']);
    t.equal((await req(a, 'GET', '/modules/acme.tasks')).json().updateAvailable, true);
  });

  await t.test('settings: secrets are masked, schema enforced, nothing stored in clear', async (t) => {
    const res = await req(a, 'GET', '/modules/acme.tasks/settings');
    t.same(res.json().settings, { team: 'ops', token: '********' });
    const bad = await req(a, 'PUT', '/modules/acme.tasks/settings', { team: 'x'.repeat(50) });
    t.equal(bad.statusCode, 400);
    t.equal(bad.json().code, 'MODULE_SETTINGS_INVALID');
    const kept = await req(a, 'PUT', '/modules/acme.tasks/settings', { team: 'sales', token: '********' });
    t.same(kept.json().settings, { team: 'sales', token: '********' });
    const stored = (await api.installs.record(a.id, 'acme.tasks'))!.settings;
    t.equal(stored.team, 'sales');
    t.match(stored.token, /^dgnenc:v1:/, 'the secret is encrypted at rest');
    t.notMatch(JSON.stringify(stored), /s3cret/);
  });

  await t.test('B, without the module, gets 404 on its route; after installing it sees none of A data', async (t) => {
    const before = await req(b, 'GET', '/apps/acme.tasks/tasks');
    t.equal(before.statusCode, 404);
    t.equal((await req(b, 'POST', '/modules/acme.tasks/install', { version: '1.0.0', grants: ['store'] })).statusCode, 201);
    t.same(await tasks(b), []);
    t.equal((await req(b, 'POST', '/apps/acme.tasks/tasks', { title: 'b-only' })).statusCode, 201);
    t.same((await tasks(a)).map((x) => x.title), ['alpha', 'beta'], 'A is untouched by B');
  });

  await t.test('upgrade: a new required permission needs consent; then data is migrated', async (t) => {
    const refused = await req(a, 'POST', '/modules/acme.tasks/upgrade', { version: '1.1.0' });
    t.equal(refused.statusCode, 400);
    t.match(refused.json(), { code: 'MODULE_GRANTS_MISSING', missing: ['notify'] });
    const res = await req(a, 'POST', '/modules/acme.tasks/upgrade', { version: '1.1.0', grants: ['notify'] });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { version: '1.1.0', previousVersion: '1.0.0', grants: ['store', 'notify'] });
    t.same(await tasks(a), [
      { title: 'alpha', done: false, id: (await tasks(a))[0]!['id' as never] },
      { title: 'beta', done: false, id: (await tasks(a))[1]!['id' as never] },
    ]);
    t.same((await tasks(b)).map((x) => x.done), [undefined], 'B is still on 1.0.0 and unmigrated');
  });

  await t.test('an upgrade whose hook throws leaves the running version and its data intact', async (t) => {
    const before = await tasks(a);
    const res = await req(a, 'POST', '/modules/acme.tasks/upgrade', { version: '1.2.0' });
    t.equal(res.statusCode, 502);
    t.match(res.json(), { code: 'MODULE_UPGRADE_FAILED', detail: /migration bug/ });
    t.same(await tasks(a), before, 'no CORRUPTED title: the half-done migration was undone');
    t.equal((await req(a, 'GET', '/modules/acme.tasks')).json().installedVersion, '1.1.0');
    t.equal((await req(a, 'POST', '/apps/acme.tasks/tasks', { title: 'gamma' })).statusCode, 201, 'and it still serves');
  });

  await t.test('rollback returns to v1 with the data as it was before the upgrade', async (t) => {
    const res = await req(a, 'POST', '/modules/acme.tasks/rollback');
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { version: '1.0.0', previousVersion: null, grants: ['store'] });
    t.same((await tasks(a)).map((x) => [x.title, x.done]), [['alpha', undefined], ['beta', undefined]]);
    const again = await req(a, 'POST', '/modules/acme.tasks/rollback');
    t.equal(again.json().code, 'MODULE_NO_PREVIOUS_VERSION');
  });

  await t.test('disable: routes answer 404 and data stays; enable brings them back', async (t) => {
    t.equal((await req(a, 'POST', '/modules/acme.tasks/disable')).json().status, 'disabled');
    t.equal((await req(a, 'GET', '/apps/acme.tasks/tasks')).statusCode, 404);
    t.equal((await req(a, 'POST', '/modules/acme.tasks/enable')).json().status, 'installed');
    t.equal((await tasks(a)).length, 2);
  });

  await t.test('uninstall keeps data for the retention period; reinstall finds it; purge deletes it', async (t) => {
    t.equal((await req(a, 'DELETE', '/modules/acme.tasks')).statusCode, 204);
    t.equal((await req(a, 'GET', '/apps/acme.tasks/tasks')).statusCode, 404);
    t.equal((await req(a, 'GET', '/modules/acme.tasks')).json().status, 'available');
    t.equal((await req(a, 'POST', '/modules/acme.tasks/install', { version: '1.0.0', grants: ['store'] })).statusCode, 201);
    t.same((await tasks(a)).map((x) => x.title), ['alpha', 'beta'], 'the data came back with the reinstall');
    t.equal((await req(a, 'DELETE', '/modules/acme.tasks?purge=true')).statusCode, 204);
    t.equal((await req(a, 'POST', '/modules/acme.tasks/install', { version: '1.0.0', grants: ['store'] })).statusCode, 201);
    t.same(await tasks(a), [], 'purged data is gone');
    t.same((await tasks(b)).map((x) => x.title), ['b-only'], "B's data survived A's purge");
  });

  await t.test('a tenant key without the admin scope cannot install', async (t) => {
    const reader = await app.inject({ method: 'POST', url: `/api/admin/tenants/${b.id}/api-keys`, headers: adminHeaders, payload: { name: 'r', scopes: ['read'] } });
    const res = await app.inject({ method: 'DELETE', url: `/api/v1/${b.subdomain}/modules/acme.tasks`, headers: { authorization: `Bearer ${reader.json().key}` } });
    t.equal(res.statusCode, 403);
    t.equal(res.json().code, 'API_KEY_SCOPE_MISSING');
  });
});
