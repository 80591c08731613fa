import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { PluginDefinition } from '@dogan/runtime';
import ksaPlugin from '@dogan/plugin-ksa';
import billingPlugin from '@dogan/plugin-billing';
import { forEachEngine, withEngine } from '../helpers/engines.js';
import { freePort } from '../helpers/free-port.js';
import { adminHeaders } from '../helpers/tenant-fixtures.js';
import { startFrappeSite, type FrappeSite } from '../simulators/frappe/index.js';
import { connect, createTenant, startErpnextKernel } from './helpers.js';

type Problem = { code: string; detail: string; status: number };

forEachEngine(t, 'ERPNext connections: checked before saved, secrets never shown, one tenant each', async (t, engine) => {
  const { app, logText } = await startErpnextKernel(t, engine);
  const sites: FrappeSite[] = [];
  t.teardown(() => Promise.all(sites.map((s) => s.close())));
  const site = await startFrappeSite();
  const euSite = await startFrappeSite({ siteName: 'eu.erp.test' });
  sites.push(site, euSite);
  const acme = await createTenant(app, 'acme');
  const globex = await createTenant(app, 'globex');
  const put = (tenant: typeof acme, payload: Record<string, unknown>, name?: string) =>
    app.inject({ method: 'PUT', url: name ? `/api/v1/${tenant.subdomain}/erpnext/connections/${name}` : `/api/v1/${tenant.subdomain}/erpnext/connection`, headers: tenant.headers, payload });

  await t.test('refused credentials, no site, a non-Frappe server and bad URLs are refused, and nothing is saved', async (t) => {
    const html = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>'));
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise((resolve) => html.close(resolve)));
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ['a wrong secret', { baseUrl: site.url, apiKey: site.apiKey, apiSecret: 'not-the-secret-123' }, 502, 'ERPNEXT_CREDENTIALS_REFUSED'],
      ['an unknown key', { baseUrl: site.url, apiKey: 'nobody', apiSecret: 'x' }, 502, 'ERPNEXT_CREDENTIALS_REFUSED'],
      ['nothing listening', { baseUrl: `http://127.0.0.1:${await freePort()}`, apiKey: 'k', apiSecret: 's' }, 502, 'ERPNEXT_UNREACHABLE'],
      ['a web server that is not Frappe', { baseUrl: `http://127.0.0.1:${(html.address() as AddressInfo).port}`, apiKey: 'k', apiSecret: 's' }, 502, 'ERPNEXT_NOT_FRAPPE'],
      ['a URL with a path', { baseUrl: `${site.url}/app/home`, apiKey: 'k', apiSecret: 's' }, 400, 'ERPNEXT_URL_INVALID'],
      ['a URL with credentials', { baseUrl: 'http://user:pw@127.0.0.1:8000', apiKey: 'k', apiSecret: 's' }, 400, 'ERPNEXT_URL_INVALID'],
      ['not http', { baseUrl: 'ftp://127.0.0.1', apiKey: 'k', apiSecret: 's' }, 400, 'ERPNEXT_URL_INVALID'],
      ['not a URL', { baseUrl: 'erp.example.com', apiKey: 'k', apiSecret: 's' }, 400, 'ERPNEXT_URL_INVALID'],
      ['a name that does not resolve', { baseUrl: 'https://erp.invalid', apiKey: 'k', apiSecret: 's' }, 502, 'ERPNEXT_UNREACHABLE'],
      ['a missing secret', { baseUrl: site.url, apiKey: 'k' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [what, payload, status, code] of cases) {
      const res = await put(acme, payload);
      t.equal(res.statusCode, status, `${what}: ${status}`);
      t.equal((res.json() as Problem).code, code, `${what}: ${code}`);
      t.notOk(res.body.includes('not-the-secret-123'), `${what}: the secret is not in the answer`);
    }
    const read = await app.inject({ url: '/api/v1/acme/erpnext/connection', headers: acme.headers });
    t.equal(read.statusCode, 409, 'nothing was saved');
    t.equal((read.json() as Problem).code, 'ERPNEXT_NOT_CONNECTED');
  });

  await t.test('a connection is saved after the site named the user, and its secret never comes back', async (t) => {
    const saved = await connect(app, acme, site);
    t.match(saved, { name: 'default', baseUrl: site.url, siteName: null, isDefault: true, apiKeyHint: `…${site.apiKey.slice(-4)}`, health: { status: 'ok', user: 'Administrator', lastError: null } });
    for (const path of ['/api/v1/acme/erpnext/connection', '/api/v1/acme/erpnext/connections', '/api/v1/acme/erpnext/connections/default']) {
      const res = await app.inject({ url: path, headers: acme.headers });
      t.equal(res.statusCode, 200, path);
      t.notOk(res.body.includes(site.apiSecret) || res.body.includes(site.apiKey), `${path} shows neither the key nor the secret`);
    }
    t.ok(site.requestLog.some((r) => r.path === '/api/method/frappe.auth.get_logged_user' && r.auth === 'token'), 'checked with frappe.auth.get_logged_user and token auth');
  });

  await t.test('named connections, a site name header, a default that moves', async (t) => {
    const eu = await put(acme, { baseUrl: euSite.url, apiKey: euSite.apiKey, apiSecret: euSite.apiSecret, siteName: 'eu.erp.test' }, 'eu');
    t.equal(eu.statusCode, 200, eu.body);
    t.match(eu.json(), { name: 'eu', isDefault: false, siteName: 'eu.erp.test' });
    t.ok(euSite.requestLog.some((r) => r.siteHeader === 'eu.erp.test'), 'the site name is sent as X-Frappe-Site-Name');
    const wrongSite = await put(acme, { baseUrl: euSite.url, apiKey: euSite.apiKey, apiSecret: euSite.apiSecret, siteName: 'other.erp.test' }, 'eu2');
    t.equal(wrongSite.statusCode, 502, 'a site name the bench does not serve is refused');
    const list = await app.inject({ url: '/api/v1/acme/erpnext/connections', headers: acme.headers });
    t.same((list.json() as { items: Array<{ name: string; isDefault: boolean }> }).items.map((c) => [c.name, c.isDefault]), [
      ['default', true],
      ['eu', false],
    ]);
    const moved = await put(acme, { baseUrl: euSite.url, apiKey: euSite.apiKey, apiSecret: euSite.apiSecret, siteName: 'eu.erp.test', isDefault: true }, 'eu');
    t.match(moved.json(), { isDefault: true });
    const after = await app.inject({ url: '/api/v1/acme/erpnext/connection', headers: acme.headers });
    t.match(after.json(), { name: 'eu' }, '/erpnext/connection is now eu');
    const back = await put(acme, { baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret, isDefault: true }, 'default');
    t.match(back.json(), { isDefault: true });
  });

  await t.test('the second tenant sees none of it', async (t) => {
    const list = await app.inject({ url: '/api/v1/globex/erpnext/connections', headers: globex.headers });
    t.same(list.json(), { items: [] });
    const one = await app.inject({ url: '/api/v1/globex/erpnext/connections/eu', headers: globex.headers });
    t.equal(one.statusCode, 409);
    const viaAcme = await app.inject({ url: '/api/v1/acme/erpnext/connections', headers: globex.headers });
    t.equal(viaAcme.statusCode, 403, "globex's key cannot read acme's connections");
    const docs = await app.inject({ url: '/api/v1/globex/erpnext/documents/ToDo', headers: globex.headers });
    t.equal((docs.json() as Problem).code, 'ERPNEXT_NOT_CONNECTED', 'and has no site to reach');
  });

  await t.test('a test after the site went away records the failure as the health', async (t) => {
    const gone = await startFrappeSite();
    await connect(app, globex, gone);
    await gone.close();
    const res = await app.inject({ method: 'POST', url: '/api/v1/globex/erpnext/connection/test', headers: globex.headers });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { health: { status: 'failing', lastError: { code: 'ERPNEXT_UNREACHABLE' } } });
    const del = await app.inject({ method: 'DELETE', url: '/api/v1/globex/erpnext/connection', headers: globex.headers });
    t.equal(del.statusCode, 204);
    const read = await app.inject({ url: '/api/v1/globex/erpnext/connection', headers: globex.headers });
    t.equal(read.statusCode, 409, 'deleted');
  });

  await t.test('secrets are in no log line', async (t) => {
    const logs = logText();
    t.ok(logs.length > 0);
    for (const secret of [site.apiSecret, euSite.apiSecret, 'not-the-secret-123']) t.notOk(logs.includes(secret));
  });
});

t.test('a site on a private address is refused unless private networks are allowed', async (t) => {
  await withEngine(t, 'sqlite', 'sqlite', async (t, engine) => {
    const { app } = await startErpnextKernel(t, engine, { ERPNEXT_ALLOW_PRIVATE_NETWORKS: 'false' });
    const site = await startFrappeSite();
    t.teardown(() => site.close());
    const acme = await createTenant(app, 'acme');
    const res = await app.inject({ method: 'PUT', url: '/api/v1/acme/erpnext/connection', headers: acme.headers, payload: { baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret } });
    t.equal(res.statusCode, 400);
    t.match(res.json(), { code: 'ERPNEXT_ADDRESS_FORBIDDEN' });
    t.equal(site.stats.requests, 0, 'the site was never called');
  });
});

t.test("with billing loaded, a plan without ERPNext cannot connect", async (t) => {
  await withEngine(t, 'sqlite', 'sqlite', async (t, engine) => {
    const { app } = await startErpnextKernel(t, engine, {}, [ksaPlugin as PluginDefinition, billingPlugin as PluginDefinition]);
    const site = await startFrappeSite();
    t.teardown(() => site.close());
    const starter = await createTenant(app, 'starter-co');
    const refused = await app.inject({ method: 'PUT', url: '/api/v1/starter-co/erpnext/connection', headers: starter.headers, payload: { baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret } });
    t.equal(refused.statusCode, 403);
    t.match(refused.json(), { code: 'ERPNEXT_NOT_IN_PLAN' });
    const created = await app.inject({ method: 'POST', url: '/api/admin/tenants', headers: adminHeaders, payload: { name: 'Pro Co', subdomain: 'pro-co', plan: 'professional' } });
    t.equal(created.statusCode, 201, created.body);
    const proId = (created.json() as { id: string }).id;
    const key = await app.inject({ method: 'POST', url: `/api/admin/tenants/${proId}/api-keys`, headers: adminHeaders, payload: { name: 'admin', scopes: ['read', 'write', 'admin'] } });
    const headers = { authorization: `Bearer ${(key.json() as { key: string }).key}` };
    const ok = await app.inject({ method: 'PUT', url: '/api/v1/pro-co/erpnext/connection', headers, payload: { baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret } });
    t.equal(ok.statusCode, 200, `on Professional it connects: ${ok.body}`);
  });
});
