import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { startFrappeSite, type FrappeSite } from '../simulators/frappe/index.js';
import { connect, createTenant, startErpnextKernel } from './helpers.js';

type Problem = { code: string; detail: string; excType?: string; upstreamStatus?: number };

forEachEngine(t, "ERPNext documents through a tenant's connection, with ERPNext's errors in its own words", async (t, engine) => {
  const { app, logText } = await startErpnextKernel(t, engine);
  const sites: FrappeSite[] = [];
  t.teardown(() => Promise.all(sites.map((s) => s.close())));
  const site = await startFrappeSite();
  const otherSite = await startFrappeSite();
  sites.push(site, otherSite);
  const acme = await createTenant(app, 'acme');
  const globex = await createTenant(app, 'globex');
  await connect(app, acme, site);
  await connect(app, globex, otherSite);
  const call = (method: string, path: string, payload?: unknown, tenant = acme) =>
    app.inject({ method: method as 'GET', url: `/api/v1/${tenant.subdomain}/erpnext${path}`, headers: tenant.headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  let order = '';
  await t.test('create, list with filters, read, change, submit and cancel a Sales Order', async (t) => {
    t.equal((await call('POST', '/documents/Customer', { customer_name: 'مؤسسة جدة', customer_group: 'Commercial', territory: 'Saudi Arabia', customer_type: 'Company' })).statusCode, 201);
    t.equal((await call('POST', '/documents/Item', { item_code: 'DATES-1KG', item_name: 'Dates 1kg', item_group: 'Products', stock_uom: 'Nos' })).statusCode, 201);
    const created = await call('POST', '/documents/Sales%20Order', { customer: 'مؤسسة جدة', transaction_date: '2026-12-01', delivery_date: '2026-12-06', items: [{ item_code: 'DATES-1KG', qty: 10, rate: 35 }] });
    t.equal(created.statusCode, 201, created.body);
    const doc = (created.json() as { data: Record<string, unknown> }).data;
    order = String(doc.name);
    t.match(order, /^SAL-ORD-\d{4}-\d{5}$/, 'named by its naming series');
    t.match(doc, { docstatus: 0, customer: 'مؤسسة جدة', grand_total: 350 });

    const filters = encodeURIComponent(JSON.stringify([['customer', '=', 'مؤسسة جدة'], ['docstatus', '=', 0]]));
    const fields = encodeURIComponent(JSON.stringify(['name', 'customer', 'grand_total']));
    const list = await call('GET', `/documents/Sales%20Order?filters=${filters}&fields=${fields}&order_by=modified%20desc&limit_page_length=5`);
    t.equal(list.statusCode, 200, list.body);
    t.same((list.json() as { data: unknown[] }).data, [{ name: order, customer: 'مؤسسة جدة', grand_total: 350 }]);

    const stale = await call('PUT', `/documents/Sales%20Order/${order}`, { delivery_date: '2026-12-07', modified: '2001-01-01 00:00:00.000000' });
    t.equal(stale.statusCode, 409, 'a change based on an old read is refused');
    t.equal((stale.json() as Problem).code, 'ERPNEXT_TIMESTAMP_MISMATCH');
    const changed = await call('PUT', `/documents/Sales%20Order/${order}`, { delivery_date: '2026-12-07', modified: doc.modified });
    t.equal(changed.statusCode, 200, changed.body);

    const submitted = await call('POST', `/documents/Sales%20Order/${order}/submit`);
    t.equal(submitted.statusCode, 200, submitted.body);
    t.match(submitted.json(), { data: { name: order, docstatus: 1 } });
    const editSubmitted = await call('PUT', `/documents/Sales%20Order/${order}`, { transaction_date: '2026-12-02' });
    t.equal(editSubmitted.statusCode, 422, `a submitted document cannot be edited: ${editSubmitted.body}`);
    t.match(editSubmitted.json(), { code: 'ERPNEXT_VALIDATION', excType: 'UpdateAfterSubmitError' });
    const cancelled = await call('POST', `/documents/Sales%20Order/${order}/cancel`);
    t.equal(cancelled.statusCode, 200, cancelled.body);
    t.match(cancelled.json(), { data: { docstatus: 2 } });
  });

  await t.test("ERPNext's refusals become typed problems with the server's message", async (t) => {
    const missing = await call('GET', '/documents/Sales%20Order/SAL-ORD-1999-00001');
    t.equal(missing.statusCode, 404);
    t.match(missing.json(), { code: 'ERPNEXT_NOT_FOUND', excType: 'DoesNotExistError', detail: /SAL-ORD-1999-00001/ });
    const duplicate = await call('POST', '/documents/Customer', { customer_name: 'مؤسسة جدة', customer_group: 'Commercial', territory: 'Saudi Arabia', customer_type: 'Company' });
    t.equal(duplicate.statusCode, 409);
    t.match(duplicate.json(), { code: 'ERPNEXT_DUPLICATE' });
    const mandatory = await call('POST', '/documents/Sales%20Order', { transaction_date: '2026-12-01', items: [] });
    t.equal(mandatory.statusCode, 422);
    t.match(mandatory.json(), { code: 'ERPNEXT_VALIDATION', detail: /customer/i });
    const badFilter = await call('GET', `/documents/ToDo?filters=${encodeURIComponent('[["status","resembles","x"]]')}`);
    t.equal(badFilter.statusCode, 400, 'an operator Frappe does not know is refused here');
    const notJson = await call('GET', '/documents/ToDo?filters=%5Bnope');
    t.equal(notJson.statusCode, 400);
    t.match(notJson.json(), { code: 'ERPNEXT_REQUEST_INVALID' });
    const badDoctype = await call('GET', '/documents/..%2Fetc');
    t.equal(badDoctype.statusCode, 400);
    site.failNext({ times: 4, pathPrefix: '/api/resource/ToDo', status: 429, headers: { 'retry-after': '0' } });
    const limited = await call('GET', '/documents/ToDo');
    t.equal(limited.statusCode, 503, 'a site that keeps answering 429 is a 503 here');
    t.match(limited.json(), { code: 'ERPNEXT_RATE_LIMITED' });
    t.match(limited.headers['retry-after'], /^\d+$/, 'with Retry-After');
    for (const res of [missing, duplicate, mandatory, limited]) t.notOk(res.body.includes(site.apiSecret), 'no error carries the secret');
  });

  await t.test('a file is uploaded to ERPNext, attached to a document', async (t) => {
    const boundary = '----dogan-test';
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="doctype"',
      '',
      'Customer',
      `--${boundary}`,
      'Content-Disposition: form-data; name="docname"',
      '',
      'مؤسسة جدة',
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="contract.txt"',
      'Content-Type: text/plain',
      '',
      'signed contract',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const res = await app.inject({ method: 'POST', url: '/api/v1/acme/erpnext/files', headers: { ...acme.headers, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
    t.equal(res.statusCode, 201, res.body);
    t.match(res.json(), { data: { file_url: /contract/, attached_to_doctype: 'Customer', attached_to_name: 'مؤسسة جدة' } });
  });

  await t.test("the second tenant reaches its own site only", async (t) => {
    const theirs = await call('GET', `/documents/Sales%20Order/${order}`, undefined, globex);
    t.equal(theirs.statusCode, 404, "acme's order is not on globex's site");
    const before = site.stats.requests;
    await call('GET', '/documents/Customer', undefined, globex);
    t.equal(site.stats.requests, before, "globex's calls never reach acme's site");
    const acmeView = await app.inject({ url: `/api/v1/acme/erpnext/documents/Sales%20Order/${order}`, headers: globex.headers });
    t.equal(acmeView.statusCode, 403, "globex's key is refused on acme's routes");
  });

  await t.test('no log line carries a secret', async (t) => {
    t.notOk(logText().includes(site.apiSecret));
    t.notOk(logText().includes(otherSite.apiSecret));
  });
});
