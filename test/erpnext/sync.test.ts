import { createHmac } from 'node:crypto';
import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { startFrappeSite, type FrappeSite } from '../simulators/frappe/index.js';
import { connect, createHook, createTenant, settle, startErpnextKernel, waitFor, type TestTenant } from './helpers.js';

interface RunView {
  id: string;
  status: string;
  pages: number;
  documents: number;
  published: number;
  duplicates: number;
  error: { code: string } | null;
}

forEachEngine(t, 'ERPNext sync pulls changes into events, resumes where it stopped, and never repeats a change', async (t, engine) => {
  const { app, events } = await startErpnextKernel(t, engine, { ERPNEXT_SYNC_PAGE_SIZE: '100', ERPNEXT_SYNC_INTERVAL_MS: '100000' });
  const sites: FrappeSite[] = [];
  t.teardown(() => Promise.all(sites.map((s) => s.close())));
  const site = await startFrappeSite();
  const otherSite = await startFrappeSite();
  sites.push(site, otherSite);
  const acme = await createTenant(app, 'acme');
  const globex = await createTenant(app, 'globex');
  await connect(app, acme, site);
  await connect(app, globex, otherSite);
  for (let i = 0; i < 250; i++) site.insertDirect('ToDo', { description: `Task ${i}`, status: 'Open' });
  otherSite.insertDirect('ToDo', { description: 'globex task', status: 'Open' });

  const runSync = async (tenant: TestTenant): Promise<RunView> => {
    const started = await app.inject({ method: 'POST', url: `/api/v1/${tenant.subdomain}/erpnext/syncs/ToDo/run`, headers: tenant.headers });
    if (started.statusCode !== 202) throw new Error(`run: ${started.statusCode} ${started.body}`);
    const id = (started.json() as RunView).id;
    return waitFor('the run to end', async () => {
      const res = await app.inject({ url: `/api/v1/${tenant.subdomain}/erpnext/sync-runs/${id}`, headers: tenant.headers });
      const run = res.json() as RunView;
      return run.status !== 'running' && run;
    }, 30_000);
  };
  const acmeEvents = () => events.filter((e) => e.tenantId === acme.id);

  await t.test('a sync is configured per doctype; the first run takes everything, page by page', async (t) => {
    const res = await app.inject({ method: 'PUT', url: '/api/v1/acme/erpnext/syncs/ToDo', headers: acme.headers, payload: { intervalMinutes: 5, fields: ['description', 'status'] } });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { connection: 'default', doctype: 'ToDo', intervalMinutes: 5, enabled: true, cursor: null });
    const bad = await app.inject({ method: 'PUT', url: '/api/v1/acme/erpnext/syncs/ToDo', headers: acme.headers, payload: { filters: [['status', 'resembles', 'Open']] } });
    t.equal(bad.statusCode, 400, 'an unknown filter operator is refused before anything is sent');
    const run = await runSync(acme);
    t.match(run, { status: 'completed', pages: 3, documents: 250, published: 250, duplicates: 0, error: null });
    await waitFor('250 events on the bus', () => acmeEvents().length >= 250, 30_000);
    await settle(100);
    t.equal(acmeEvents().length, 250, '250 events');
    t.equal(new Set(acmeEvents().map((e) => (e.payload as { name: string }).name)).size, 250, 'one per document');
    t.match(acmeEvents()[0], { type: 'erpnext.todo.on_change', payload: { source: 'sync', connection: 'default', doctype: 'ToDo', event: 'on_change', data: { status: 'Open' } } });
  });

  await t.test('the next run takes only what changed since', async (t) => {
    const again = await runSync(acme);
    t.match(again, { status: 'completed', documents: 0, published: 0 });
    const headers = { authorization: `token ${site.apiKey}:${site.apiSecret}`, 'content-type': 'application/json' };
    const names = (acmeEvents().slice(0, 2) as Array<{ payload: { name: string } }>).map((e) => e.payload.name);
    for (const name of names) {
      const res = await fetch(`${site.url}/api/resource/ToDo/${name}`, { method: 'PUT', headers, body: JSON.stringify({ status: 'Closed' }) });
      t.equal(res.status, 200);
    }
    const changed = await runSync(acme);
    t.match(changed, { status: 'completed', documents: 2, published: 2 });
    await waitFor('252 events on the bus', () => acmeEvents().length >= 252, 30_000);
    await settle(100);
    t.equal(acmeEvents().length, 252);
  });

  await t.test('a run that fails mid-way reports it, and the next resumes after the last page it committed', async (t) => {
    for (let i = 0; i < 250; i++) site.insertDirect('ToDo', { description: `Batch two ${i}`, status: 'Open' });
    site.setLatency(150);
    const started = await app.inject({ method: 'POST', url: '/api/v1/acme/erpnext/syncs/ToDo/run', headers: acme.headers });
    const id = (started.json() as RunView).id;
    await waitFor('the first page', async () => ((await app.inject({ url: `/api/v1/acme/erpnext/sync-runs/${id}`, headers: acme.headers })).json() as RunView).pages >= 1);
    // The client tries a read 4 times: all four fail, so the run does.
    site.failNext({ times: 4, pathPrefix: '/api/resource/ToDo', status: 503 });
    const failed = await waitFor('the run to fail', async () => {
      const run = (await app.inject({ url: `/api/v1/acme/erpnext/sync-runs/${id}`, headers: acme.headers })).json() as RunView;
      return run.status !== 'running' && run;
    }, 30_000);
    site.setLatency(0);
    t.match(failed, { status: 'failed', error: { code: 'ERPNEXT_SERVER_ERROR' } });
    t.ok(failed.pages >= 1 && failed.documents < 250, `it stopped after ${failed.pages} page(s)`);
    const sync = await app.inject({ url: '/api/v1/acme/erpnext/syncs/ToDo', headers: acme.headers });
    t.match(sync.json(), { cursor: { modified: String }, runs: [{ id, status: 'failed' }] });
    const health = await app.inject({ url: '/api/v1/acme/erpnext/connection', headers: acme.headers });
    t.match(health.json(), { health: { status: 'failing', lastError: { code: 'ERPNEXT_SERVER_ERROR' } } }, 'the connection shows the failure');
    const resumed = await runSync(acme);
    t.match(resumed, { status: 'completed', duplicates: 0 });
    t.equal(failed.documents + resumed.documents, 250, 'the two runs together read each new document once');
    await waitFor('502 events on the bus', () => acmeEvents().length >= 502, 30_000);
    await settle(100);
    t.equal(new Set(acmeEvents().map((e) => `${(e.payload as { name: string }).name}|${(e.payload as { modified: string }).modified}`)).size, acmeEvents().length, 'no change published twice');
    t.equal(acmeEvents().length, 502);
  });

  await t.test('a change a webhook already delivered is not published again by the sync', async (t) => {
    const hook = await createHook(app, acme, { doctype: 'ToDo', events: ['on_change'] });
    const doc = site.insertDirect('ToDo', { description: 'seen by webhook', status: 'Open' });
    const body = JSON.stringify({ doctype: 'ToDo', name: doc.name, event: 'on_change', modified: doc.modified });
    const res = await app.inject({
      method: 'POST',
      url: `/api/webhooks/erpnext/acme/${hook.id}`,
      payload: body,
      headers: { 'content-type': 'application/json', 'x-frappe-webhook-signature': createHmac('sha256', hook.secret).update(body).digest('base64') },
    });
    t.match(res.json(), { outcome: 'published' });
    const run = await runSync(acme);
    t.match(run, { status: 'completed', documents: 1, published: 0, duplicates: 1 });
    await waitFor('the webhook event', () => acmeEvents().some((e) => (e.payload as { name: string }).name === doc.name), 30_000);
    await settle(200);
    t.equal(acmeEvents().filter((e) => (e.payload as { name: string }).name === doc.name).length, 1, 'one event for that change');
  });

  await t.test("the second tenant's sync reads its own site only", async (t) => {
    const res = await app.inject({ method: 'PUT', url: '/api/v1/globex/erpnext/syncs/ToDo', headers: globex.headers, payload: { fields: ['description'] } });
    t.equal(res.statusCode, 200);
    const run = await runSync(globex);
    t.match(run, { status: 'completed', documents: 1, published: 1 });
    await waitFor("globex's event", () => events.some((e) => e.tenantId === globex.id), 30_000);
    await settle(100);
    t.match(
      events.filter((e) => e.tenantId === globex.id),
      [{ payload: { data: { description: 'globex task' } } }],
      "one event, of globex's own site",
    );
    const list = await app.inject({ url: '/api/v1/globex/erpnext/syncs', headers: globex.headers });
    t.equal((list.json() as { items: unknown[] }).items.length, 1, "and it lists only its own sync, not acme's");
  });
});

forEachEngine(t, 'syncs run on their own once they are due, once per cluster', async (t, engine) => {
  const { app, events } = await startErpnextKernel(t, engine, { ERPNEXT_SYNC_INTERVAL_MS: '100' });
  const site = await startFrappeSite();
  t.teardown(() => site.close());
  const acme = await createTenant(app, 'acme');
  await connect(app, acme, site);
  for (let i = 0; i < 3; i++) site.insertDirect('Customer', { customer_name: `Customer ${i}`, customer_group: 'Commercial', territory: 'Saudi Arabia', customer_type: 'Company' });
  const res = await app.inject({ method: 'PUT', url: '/api/v1/acme/erpnext/syncs/Customer', headers: acme.headers, payload: { intervalMinutes: 60 } });
  t.equal(res.statusCode, 200);
  await waitFor('three customer events', () => events.filter((e) => e.type === 'erpnext.customer.on_change').length === 3, 15_000);
  await settle(500);
  t.equal(events.length, 3, 'the next run is an hour away: nothing more');
  const sync = await app.inject({ url: '/api/v1/acme/erpnext/syncs/Customer', headers: acme.headers });
  t.match(sync.json(), { runs: [{ trigger: 'schedule', status: 'completed', published: 3 }] });
});
