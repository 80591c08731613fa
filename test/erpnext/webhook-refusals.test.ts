import { createHmac } from 'node:crypto';
import t from 'tap';
import { tenantsApiRef } from '@dogan/tenants';
import { exportTenant } from '../../tenants/src/tenant-archive.js';
import { forEachEngine } from '../helpers/engines.js';
import { adminHeaders } from '../helpers/tenant-fixtures.js';
import { createHook, createTenant, settle, startErpnextKernel, waitFor, type CreatedHook } from './helpers.js';

/** What Frappe sends: `json.dumps(data)` (Python's separators), signed with base64 HMAC-SHA256. */
function frappeBody(data: Record<string, unknown>): string {
  return JSON.stringify(data).replace(/","/g, '", "').replace(/":/g, '": ').replace(/,"/g, ', "');
}
const sign = (secret: string, body: string | Buffer) => createHmac('sha256', secret).update(body).digest('base64');

forEachEngine(t, 'ERPNext webhook intake refuses what it must, and publishes nothing then', async (t, engine) => {
  // No site is needed to receive webhooks: the connection is saved without asking it.
  const { app, events, logText, kernel } = await startErpnextKernel(t, engine, { ERPNEXT_WEBHOOK_MAX_BYTES: '4096' });
  const acme = await createTenant(app, 'acme');
  const globex = await createTenant(app, 'globex');
  for (const tenant of [acme, globex]) {
    const res = await app.inject({
      method: 'PUT',
      url: `/api/v1/${tenant.subdomain}/erpnext/connection`,
      headers: tenant.headers,
      payload: { baseUrl: 'http://127.0.0.1:9', apiKey: `key-${tenant.subdomain}`, apiSecret: `secret-${tenant.subdomain}-0123456789`, verify: false },
    });
    t.equal(res.statusCode, 200, `${tenant.subdomain}'s connection is saved unverified`);
  }
  const hook: CreatedHook = await createHook(app, acme, { doctype: 'Sales Order', events: ['on_submit'] });
  const globexHook = await createHook(app, globex, { doctype: 'Sales Order', events: ['on_submit'] });
  const path = `/api/webhooks/erpnext/acme/${hook.id}`;
  const body = frappeBody({ doctype: 'Sales Order', name: 'SAL-ORD-2026-00001', event: 'on_submit', modified: '2026-12-01 10:00:00.000001', docstatus: 1, doc: { customer: 'شركة الرياض' } });
  const post = (url: string, payload: string | Buffer, signature: string | undefined, contentType = 'application/json') =>
    app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType, ...(signature === undefined ? {} : { 'x-frappe-webhook-signature': signature }) } });

  await t.test('the settings for ERPNext name the intake address, the secret and the JSON template', async (t) => {
    t.match(hook.secret, /^erpwhsec_[A-Za-z0-9_-]{43}$/);
    t.equal(hook.erpnextWebhooks.length, 1);
    const settings = hook.erpnextWebhooks[0]!;
    t.match(settings, { doctype: 'Webhook', webhook_doctype: 'Sales Order', webhook_docevent: 'on_submit', request_method: 'POST', request_structure: 'JSON', enable_security: 1, webhook_secret: hook.secret });
    t.ok(settings.request_url.endsWith(path), 'the request URL is the intake route of this tenant and hook');
    t.same(settings.webhook_headers, [{ key: 'Content-Type', value: 'application/json' }]);
    t.match(settings.webhook_json, /"name": \{\{ doc\.name \| json \}\}/);
    const again = await app.inject({ url: `/api/v1/acme/erpnext/hooks/${hook.id}/erpnext-settings`, headers: acme.headers });
    t.equal(again.statusCode, 200);
    t.notOk(again.body.includes(hook.secret), 'shown again later without the secret');
    const list = await app.inject({ url: '/api/v1/globex/erpnext/hooks', headers: globex.headers });
    t.same(
      (list.json() as { items: Array<{ id: string }> }).items.map((h) => h.id),
      [globexHook.id],
      'the second tenant lists only its own hook',
    );
  });

  await t.test('forged, truncated, missing, other-tenant and oversized webhooks are refused', async (t) => {
    const cases: Array<[string, () => ReturnType<typeof post>, number, string]> = [
      ['no signature', () => post(path, body, undefined), 401, 'ERPNEXT_SIGNATURE_INVALID'],
      ['a signature with another secret', () => post(path, body, sign('erpwhsec_not-the-one', body)), 401, 'ERPNEXT_SIGNATURE_INVALID'],
      ["globex's secret on acme's hook", () => post(path, body, sign(globexHook.secret, body)), 401, 'ERPNEXT_SIGNATURE_INVALID'],
      ['a truncated body', () => post(path, body.slice(0, -10), sign(hook.secret, body)), 401, 'ERPNEXT_SIGNATURE_INVALID'],
      ['a changed body', () => post(path, body.replace('00001', '00002'), sign(hook.secret, body)), 401, 'ERPNEXT_SIGNATURE_INVALID'],
      ['garbage for a signature', () => post(path, body, '!!!'), 401, 'ERPNEXT_SIGNATURE_INVALID'],
      ['an unknown hook', () => post('/api/webhooks/erpnext/acme/00000000-0000-4000-8000-000000000000', body, sign(hook.secret, body)), 404, 'ERPNEXT_HOOK_NOT_FOUND'],
      ["acme's hook under globex", () => post(`/api/webhooks/erpnext/globex/${hook.id}`, body, sign(hook.secret, body)), 404, 'ERPNEXT_HOOK_NOT_FOUND'],
      ['an unknown tenant', () => post(`/api/webhooks/erpnext/initech/${hook.id}`, body, sign(hook.secret, body)), 404, 'TENANT_NOT_FOUND'],
      ['a malformed tenant', () => post(`/api/webhooks/erpnext/A!/${hook.id}`, body, sign(hook.secret, body)), 404, 'TENANT_NOT_FOUND'],
      ['an oversized body', () => post(path, Buffer.alloc(5000, 'a'), sign(hook.secret, Buffer.alloc(5000, 'a'))), 413, 'BODY_TOO_LARGE'],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await send();
      t.equal(res.statusCode, status, `${what}: ${status}`);
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${what}: a problem document`);
      t.equal((res.json() as { code: string }).code, code, `${what}: ${code}`);
    }
    const signedNonsense = 'not json at all';
    const res = await post(path, signedNonsense, sign(hook.secret, signedNonsense), 'text/plain');
    t.equal(res.statusCode, 400, 'a signed body that is not the template: 400');
    t.equal((res.json() as { code: string }).code, 'ERPNEXT_WEBHOOK_BODY_INVALID');
    const wrongEvent = frappeBody({ doctype: 'Sales Order', name: 'X', event: 'on_cancel', modified: 'm' });
    const wrong = await post(path, wrongEvent, sign(hook.secret, wrongEvent));
    t.equal(wrong.statusCode, 400, 'an event the hook does not take: 400');
    await settle();
    t.same(events, [], 'nothing reached the bus');
  });

  await t.test('a signed webhook is published once; its replay is a duplicate', async (t) => {
    const first = await post(path, body, sign(hook.secret, body));
    t.equal(first.statusCode, 200, first.body);
    t.match(first.json(), { outcome: 'published', type: 'erpnext.sales_order.on_submit' });
    const replay = await post(path, body, sign(hook.secret, body));
    t.equal(replay.statusCode, 200, 'a replay is accepted (Frappe would retry a refusal) ...');
    t.match(replay.json(), { outcome: 'duplicate' }, '... and recognised');
    await waitFor('the event on the bus', () => events.length >= 1, 30_000);
    await settle(200);
    t.equal(events.length, 1, 'one event on the bus');
    t.match(events[0], {
      type: 'erpnext.sales_order.on_submit',
      tenantId: acme.id,
      payload: { source: 'webhook', connection: 'default', doctype: 'Sales Order', name: 'SAL-ORD-2026-00001', event: 'on_submit', modified: '2026-12-01 10:00:00.000001', data: { doc: { customer: 'شركة الرياض' } } },
    });
    const read = await app.inject({ url: `/api/v1/acme/erpnext/hooks/${hook.id}`, headers: acme.headers });
    t.match(read.json(), { receivedCount: 1 });
    t.notOk(read.body.includes(hook.secret), 'the secret is never shown again');
  });

  await t.test('a webhook without a Content-Type (one created through the API) is taken as the JSON it is', async (t) => {
    const bare = frappeBody({ doctype: 'Sales Order', name: 'SAL-ORD-2026-00005', event: 'on_submit', modified: '2026-12-01 10:05:00.000001' });
    const res = await app.inject({ method: 'POST', url: path, payload: bare, headers: { 'x-frappe-webhook-signature': sign(hook.secret, bare) } });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { outcome: 'published' });
  });

  await t.test('a form body from an older Frappe verifies against the JSON text it signed', async (t) => {
    const form = new URLSearchParams({ name: 'SAL-ORD-2026-00009', modified: '2026-12-01 11:00:00.000000', customer: 'Acme' }).toString();
    const signedText = '{"name": "SAL-ORD-2026-00009", "modified": "2026-12-01 11:00:00.000000", "customer": "Acme"}';
    const res = await post(path, form, sign(hook.secret, signedText), 'application/x-www-form-urlencoded');
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { outcome: 'published' });
  });

  await t.test('a suspended tenant is refused, a disabled hook is unknown', async (t) => {
    const tenants = kernel.host.service(tenantsApiRef);
    await app.inject({ method: 'POST', url: `/api/admin/tenants/${globex.id}/suspend`, headers: adminHeaders });
    t.equal((await tenants.tenants.get(globex.id)).status, 'suspended');
    const globexBody = frappeBody({ doctype: 'Sales Order', name: 'G-1', event: 'on_submit', modified: 'm1' });
    const suspended = await post(`/api/webhooks/erpnext/globex/${globexHook.id}`, globexBody, sign(globexHook.secret, globexBody));
    t.equal(suspended.statusCode, 403);
    t.equal((suspended.json() as { code: string }).code, 'ERPNEXT_TENANT_SUSPENDED');
    const off = await app.inject({ method: 'PUT', url: `/api/v1/acme/erpnext/hooks/${hook.id}`, headers: acme.headers, payload: { enabled: false } });
    t.equal(off.statusCode, 200);
    const other = frappeBody({ doctype: 'Sales Order', name: 'A-2', event: 'on_submit', modified: 'm2' });
    const disabled = await post(path, other, sign(hook.secret, other));
    t.equal(disabled.statusCode, 404, 'a disabled hook takes nothing');
    await settle();
    t.equal(events.filter((e) => e.tenantId === globex.id).length, 0, 'the second tenant published nothing');
  });

  await t.test('hook secrets and API secrets are nowhere in logs, and stored encrypted', async (t) => {
    const logs = logText();
    for (const secret of [hook.secret, globexHook.secret, 'secret-acme-0123456789', 'secret-globex-0123456789']) t.notOk(logs.includes(secret), 'not in the log');
    const tenant = await kernel.host.service(tenantsApiRef).tenants.get(acme.id);
    const rows = await engine.tenantRows(tenant.databaseName, 'SELECT api_secret, api_key FROM erpnext_connections');
    t.ok(rows.every((r) => String(r.api_secret).startsWith('dgnenc:v1:') && String(r.api_key).startsWith('dgnenc:v1:')), 'key and secret are secret-box ciphertext');
    const hooks = await engine.tenantRows(tenant.databaseName, 'SELECT secret FROM erpnext_hooks');
    t.ok(hooks.every((r) => String(r.secret).startsWith('dgnenc:v1:')));
    const archive = JSON.stringify(await exportTenant(kernel.host.service(tenantsApiRef).tenants, acme.id));
    t.ok(archive.includes('erpnext_connections'), 'the export archive holds the connection ...');
    t.notOk(archive.includes('secret-acme-0123456789') || archive.includes(hook.secret), '... and neither the API secret nor the hook secret in clear');
  });
});
