import t from 'tap';
import type { ModuleManifest } from '@dogan/module-manifest';
import { startServer, type PluginDefinition } from '@dogan/runtime';
import { createModulesPlugin, moduleFromSource, modulesRuntimeRef } from '@dogan/plugin-modules';
import { forEachEngine } from '../helpers/engines.js';
import { manifestFor } from '../registry/helpers/releases.js';
import { startFrappeSite, type FrappeSite } from '../simulators/frappe/index.js';
import { connect, createHook, createTenant, settle, startErpnextKernel, waitFor } from './helpers.js';

/**
 * The whole path as tenants meet it: a Sales Order submitted in ERPNext sends a signed webhook; the
 * tenant's module handles `erpnext.sales_order.on_submit` in the sandbox and writes a follow-up ToDo
 * back to ERPNext through its granted capability. A second tenant, with its own site and the same
 * module, sees nothing of it and cannot reach the first tenant's site.
 */

const description = { en: 'ERPNext follow-ups', ar: 'متابعات ERPNext' };
const manifest = manifestFor('acme.followups', '1.0.0', {
  permissions: [
    { name: 'orders', kind: 'erpnext', required: true, description, access: 'read', doctypes: ['Sales Order'] },
    { name: 'todos', kind: 'erpnext', required: true, description, access: 'write', doctypes: ['ToDo'] },
  ],
  collections: [],
  events: [{ event: 'erpnext.sales_order.on_submit', handler: 'orderSubmitted' }],
  routes: [
    { method: 'POST', path: '/peek', handler: 'peek' },
    { method: 'POST', path: '/forge', handler: 'forge' },
  ],
}) satisfies ModuleManifest;

const code = `import { erpnext, log } from 'dogan:module';
export const events = {
  orderSubmitted: async (event) => {
    const order = await erpnext.get('Sales Order', event.payload.name);
    log.info('order submitted', { name: order.name, customer: order.customer });
    await erpnext.create('ToDo', { description: 'Call ' + order.customer + ' about ' + order.name, reference_type: 'Sales Order', reference_name: order.name });
  },
};
export const routes = {
  forge: async () => {
    try {
      await erpnext.create('Sales Order', { customer: 'Anyone', items: [] });
      return { status: 200, body: { ok: true } };
    } catch (err) {
      return { status: 200, body: { ok: false, code: err.code } };
    }
  },
  peek: async (req) => {
    try {
      return { status: 200, body: { ok: true, doc: await erpnext.get('Sales Order', req.body.name) } };
    } catch (err) {
      return { status: 200, body: { ok: false, code: err.code } };
    }
  },
};`;

async function salesOrder(site: FrappeSite, customer: string): Promise<string> {
  const headers = { authorization: `token ${site.apiKey}:${site.apiSecret}`, 'content-type': 'application/json' };
  const post = async (doctype: string, doc: Record<string, unknown>) => {
    const res = await fetch(`${site.url}/api/resource/${encodeURIComponent(doctype)}`, { method: 'POST', headers, body: JSON.stringify(doc) });
    if (!res.ok) throw new Error(`${doctype}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: Record<string, unknown> }).data;
  };
  await post('Customer', { customer_name: customer, customer_group: 'Commercial', territory: 'Saudi Arabia', customer_type: 'Company' });
  await post('Item', { item_code: 'CONSULT', item_name: 'Consulting', item_group: 'Services', stock_uom: 'Hour' }).catch(() => undefined);
  const order = await post('Sales Order', { customer, transaction_date: '2026-12-01', delivery_date: '2026-12-10', items: [{ item_code: 'CONSULT', qty: 3, rate: 500 }] });
  const submitted = await fetch(`${site.url}/api/resource/Sales%20Order/${encodeURIComponent(String(order.name))}`, { method: 'PUT', headers, body: JSON.stringify({ docstatus: 1 }) });
  if (!submitted.ok) throw new Error(`submit: ${submitted.status} ${await submitted.text()}`);
  return String(order.name);
}

forEachEngine(t, 'a Sales Order submitted in ERPNext reaches the tenant module, which writes back', async (t, engine) => {
  const modules = createModulesPlugin({ sandbox: { hosts: 1 } });
  const { kernel, app, events } = await startErpnextKernel(t, engine, {}, [modules as PluginDefinition]);
  const server = await startServer(kernel);
  const base = server.url.replace('[::1]', '127.0.0.1');
  const runtime = kernel.host.service(modulesRuntimeRef);
  runtime.register(moduleFromSource(manifest, code));

  const sites: FrappeSite[] = [];
  t.teardown(() => Promise.all(sites.map((s) => s.close())));
  const tenants = [];
  for (const subdomain of ['acme', 'globex']) {
    const site = await startFrappeSite({ webhookRetryDelayMs: 5 } as Parameters<typeof startFrappeSite>[0]);
    sites.push(site);
    const tenant = await createTenant(app, subdomain);
    await connect(app, tenant, site);
    const hook = await createHook(app, tenant, { doctype: 'Sales Order', events: ['on_submit'] });
    // What an admin types into ERPNext's Webhook form, from the settings the hook route printed.
    for (const settings of hook.erpnextWebhooks) {
      const requestUrl = new URL(settings.request_url);
      site.addWebhook({
        doctype: String(settings.webhook_doctype),
        event: settings.webhook_docevent as 'on_submit',
        url: `${base}${requestUrl.pathname}`,
        secret: settings.webhook_secret,
        requestStructure: 'JSON',
        json: settings.webhook_json,
        headers: Object.fromEntries(settings.webhook_headers.map((h) => [h.key, h.value])),
      });
    }
    await runtime.enableForTenant(tenant.id, 'acme.followups', ['orders', 'todos']);
    tenants.push({ tenant, site, hook });
  }
  const [acme, globex] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];

  const order = await salesOrder(acme.site, 'شركة الرياض للتجارة');
  await acme.site.settleWebhooks();
  t.match(acme.site.webhookLog, [{ doctype: 'Sales Order', name: order, event: 'on_submit', status: 200 }], 'ERPNext sent one signed webhook and Dogan took it');

  const todo = await waitFor('the follow-up ToDo in ERPNext', async () => {
    const res = await fetch(`${acme.site.url}/api/resource/ToDo?fields=${encodeURIComponent('["name","description","reference_type","reference_name"]')}`, {
      headers: { authorization: `token ${acme.site.apiKey}:${acme.site.apiSecret}` },
    });
    const rows = ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
    return rows.length > 0 && rows;
  });
  t.equal(todo.length, 1, 'one ToDo, written once');
  t.match(todo[0], { description: `Call شركة الرياض للتجارة about ${order}`, reference_type: 'Sales Order', reference_name: order });
  t.match(events, [{ type: 'erpnext.sales_order.on_submit', tenantId: acme.tenant.id, payload: { name: order, source: 'webhook' } }], 'one event, for acme');

  await settle();
  t.equal(globex.site.requestLog.filter((r) => r.path.includes('Sales Order') || r.path.includes('ToDo')).length, 0, "and the second tenant's module was never called");
  const globexTodos = await fetch(`${globex.site.url}/api/resource/ToDo`, { headers: { authorization: `token ${globex.site.apiKey}:${globex.site.apiSecret}` } });
  t.same(((await globexTodos.json()) as { data: unknown[] }).data, [], "nothing was written to the second tenant's site");
  t.equal(events.filter((e) => e.tenantId === globex.tenant.id).length, 0, 'no event for the second tenant');

  const peek = await app.inject({ method: 'POST', url: '/api/v1/globex/apps/acme.followups/peek', headers: globex.tenant.headers, payload: { name: order } });
  t.match(peek.json(), { ok: false, code: 'ERPNEXT_NOT_FOUND' }, "the second tenant's module asking for the first tenant's order reaches its own site, which has no such order");
  const own = await app.inject({ method: 'POST', url: '/api/v1/acme/apps/acme.followups/peek', headers: acme.tenant.headers, payload: { name: order } });
  t.match(own.json(), { ok: true, doc: { name: order, docstatus: 1 } }, "the first tenant's module reads its order");

  const before = acme.site.stats.requests;
  const forged = await app.inject({ method: 'POST', url: '/api/v1/acme/apps/acme.followups/forge', headers: acme.tenant.headers });
  t.match(forged.json(), { ok: false, code: 'SANDBOX_PERMISSION_DENIED' }, 'creating a Sales Order, which it may only read, is refused');
  t.equal(acme.site.stats.requests, before, 'and nothing reached the site');
});
