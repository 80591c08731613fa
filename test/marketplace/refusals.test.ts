import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { moduleDataRef } from '../../plugins/modules/src/index.js';
import { forEachEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { addon, brokenInstall, future, paid, tasksV1 } from './fixtures.js';
import { startMarketKernel } from './helpers.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

void forEachEngine(t, 'refusals with codes, and nothing changed', async (t, engine) => {
  const { kernel, publish, api, tenants } = await startMarketKernel(t, {}, [], engine);
  const { app } = kernel;
  for (const release of [tasksV1, addon, future, paid, brokenInstall]) await publish(release.manifest, release.code);
  const a = await createTenantWithKey(app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const req = (method: string, path: string, payload?: unknown) =>
    app.inject({ method: method as 'GET', url: `/api/v1/${a.subdomain}${path}`, headers: a.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const installed = async () => (await api.installs.list(a.id)).filter((r) => r.status !== 'uninstalled').map((r) => r.moduleId);

  await t.test('an engine range this platform does not satisfy', async (t) => {
    const res = await req('POST', '/modules/acme.future/install', { version: '1.0.0', grants: [] });
    t.equal(res.statusCode, 409);
    t.equal(res.json().code, 'MODULE_ENGINE_INCOMPATIBLE');
    const latest = await req('POST', '/modules/acme.future/install', { grants: [] });
    t.equal(latest.json().code, 'MODULE_VERSION_UNAVAILABLE', 'no version runs here');
    t.same(await installed(), []);
  });

  await t.test('a missing dependency, then a depended-on module cannot be uninstalled', async (t) => {
    const res = await req('POST', '/modules/acme.addon/install', { grants: [] });
    t.equal(res.statusCode, 409);
    t.match(res.json(), { code: 'MODULE_DEPENDENCY_MISSING', detail: /acme\.tasks/ });
    t.same(await installed(), []);
    t.equal((await req('POST', '/modules/acme.tasks/install', { grants: ['store'] })).statusCode, 201);
    t.equal((await req('POST', '/modules/acme.addon/install', { grants: [] })).statusCode, 201);
    const uninstall = await req('DELETE', '/modules/acme.tasks');
    t.equal(uninstall.statusCode, 409);
    t.match(uninstall.json(), { code: 'MODULE_DEPENDED_ON', detail: /acme\.addon/ });
    t.same((await installed()).sort(), ['acme.addon', 'acme.tasks']);
    t.equal((await req('DELETE', '/modules/acme.addon?purge=true')).statusCode, 204);
    t.equal((await req('DELETE', '/modules/acme.tasks?purge=true')).statusCode, 204);
  });

  await t.test('grants the module never asked for, and unknown modules', async (t) => {
    const res = await req('POST', '/modules/acme.tasks/install', { grants: ['store', 'root'] });
    t.equal(res.statusCode, 400);
    t.equal(res.json().code, 'MODULE_GRANT_UNKNOWN');
    const unknown = await req('POST', '/modules/acme.nothing/install', { grants: [] });
    t.equal(unknown.statusCode, 404);
    const malformed = await req('POST', '/modules/not_a_module/install', { grants: [] });
    t.equal(malformed.statusCode, 400);
    t.equal(malformed.json().code, 'VALIDATION_FAILED');
    t.same(await installed(), []);
  });

  await t.test('settings that fail the schema are refused at install', async (t) => {
    const res = await req('POST', '/modules/acme.tasks/install', { grants: ['store'], settings: { team: 42 } });
    t.equal(res.statusCode, 400);
    t.equal(res.json().code, 'MODULE_SETTINGS_INVALID');
    t.same(await installed(), []);
  });

  await t.test('a paid module: no billing means a clear refusal, and no install without purchase', async (t) => {
    const buy = await req('POST', '/modules/acme.ledger/purchase');
    t.equal(buy.statusCode, 409);
    t.equal(buy.json().code, 'BILLING_UNAVAILABLE');
    const install = await req('POST', '/modules/acme.ledger/install', { grants: [] });
    t.equal(install.statusCode, 402);
    t.equal(install.json().code, 'MODULE_NOT_PURCHASED');
    const free = await req('POST', '/modules/acme.tasks/purchase');
    t.match(free.json(), { charged: false, reason: 'free', amount: 0 });
    t.same(await installed(), []);
  });

  await t.test('an install hook that throws leaves neither the module nor its writes behind', async (t) => {
    const res = await req('POST', '/modules/acme.brittle/install', { grants: ['store'] });
    t.equal(res.statusCode, 502);
    t.match(res.json(), { code: 'MODULE_INSTALL_FAILED', detail: /run-install-hook.*install bug/ });
    t.same(await installed(), []);
    t.equal(await kernel.host.service(moduleDataRef).count(await tenants.tenants.get(a.id), 'acme.brittle'), 0, 'the hook\'s write was undone');
    t.equal((await req('GET', '/apps/acme.brittle/tasks')).statusCode, 404);
  });

  await t.test('a package altered in the registry after publishing is refused before it runs', async (t) => {
    const tampered = { manifest: { ...tasksV1.manifest, id: 'acme.tampered' }, code: tasksV1.code };
    await publish(tampered.manifest, tampered.code);
    const registry = api.embeddedRegistry!;
    const tarballs = filesUnder(registry.config.REGISTRY_DATA_DIR).filter((f) => f.endsWith('.tgz') && f.includes('acme.tampered'));
    t.equal(tarballs.length, 1, 'found the stored archive');
    const data = readFileSync(tarballs[0]!);
    data[data.length - 10] = data[data.length - 10]! ^ 0xff;
    writeFileSync(tarballs[0]!, data);
    const res = await req('POST', '/modules/acme.tampered/install', { grants: ['store'] });
    t.equal(res.statusCode, 502, res.body);
    t.equal(res.json().code, 'MODULE_INTEGRITY_MISMATCH');
    t.same(await installed(), []);
    t.equal((await req('GET', '/apps/acme.tampered/tasks')).statusCode, 404);
  });
});
