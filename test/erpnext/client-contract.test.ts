/**
 * The client's contract with a Frappe site, on the v1 routes: who the key is, documents' life
 * (create, read, update with the optimistic lock, delete), lists, counts and filters, submit and
 * cancel, methods, uploads, and each refusal mapped to its ErpnextErrors code with the server's words.
 * Runs against the simulator, and against a real ERPNext when one is configured (contract-site.ts).
 */
import t from 'tap';
import type { FilterCondition, FrappeClient } from '@dogan/plugin-erpnext/client';
import { announceRealSite, eachSite, simulatorOnly, type ContractSite } from './contract-site.js';

announceRealSite(t);

type Doc = { name: string; modified: string; docstatus: number; [k: string]: unknown };

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; statusCode: number; extensions: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected a failure');
}

async function todo(site: ContractSite, c: FrappeClient, fields: Record<string, unknown> = {}): Promise<Doc> {
  const doc = await c.create<Doc>('ToDo', { description: `contract ${site.tag}`, ...fields });
  site.track('ToDo', doc.name);
  return doc;
}

eachSite(t, 'getLoggedUser names the key\'s user; a wrong secret or key is ERPNEXT_CREDENTIALS_REFUSED', async (t, site) => {
  const user = await site.client().getLoggedUser();
  if (site.sim) t.equal(user, 'Administrator');
  else t.ok(user.length > 0 && user !== 'Guest');
  for (const creds of [{ apiSecret: 'wrong-secret' }, { apiKey: 'no-such-key' }]) {
    const err = await failure(site.client(creds).getLoggedUser());
    t.equal(err.code, 'ERPNEXT_CREDENTIALS_REFUSED');
    t.equal(err.extensions.upstreamStatus, 401);
    t.equal(err.extensions.excType, 'AuthenticationError');
  }
});

eachSite(t, 'a document\'s life: create, get, update, delete, then ERPNEXT_NOT_FOUND in the server\'s words', async (t, site) => {
  const c = site.client();
  const created = await todo(site, c, { priority: 'High' });
  t.match(created, { description: `contract ${site.tag}`, priority: 'High', status: 'Open', docstatus: 0 });
  t.match(await c.get('ToDo', created.name), { name: created.name, priority: 'High' });
  const updated = await c.update<Doc>('ToDo', created.name, { status: 'Closed' });
  t.equal(updated.status, 'Closed');
  t.not(updated.modified, created.modified);
  await c.delete('ToDo', created.name);
  const err = await failure(c.get('ToDo', created.name));
  t.equal(err.code, 'ERPNEXT_NOT_FOUND');
  t.equal(err.statusCode, 404);
  t.equal(err.extensions.excType, 'DoesNotExistError');
  t.match(err.message, created.name, 'the message is the server\'s, naming the document');
});

eachSite(t, 'an update carrying a stale `modified` is ERPNEXT_TIMESTAMP_MISMATCH; a fresh one saves', async (t, site) => {
  const c = site.client();
  const doc = await todo(site, c);
  const saved = await c.update<Doc>('ToDo', doc.name, { priority: 'Low', modified: doc.modified });
  const err = await failure(c.update('ToDo', doc.name, { priority: 'High', modified: doc.modified }));
  t.equal(err.code, 'ERPNEXT_TIMESTAMP_MISMATCH');
  t.equal(err.extensions.excType, 'TimestampMismatchError');
  t.equal(err.extensions.upstreamStatus, 417);
  t.match(err.message, /modified after you have opened it/);
  t.equal((await c.update<Doc>('ToDo', doc.name, { priority: 'High', modified: saved.modified })).priority, 'High');
});

eachSite(t, 'a missing mandatory field is ERPNEXT_VALIDATION with the server\'s message, HTML stripped', async (t, site) => {
  const err = await failure(site.client().create('ToDo', { priority: 'High' }));
  t.equal(err.code, 'ERPNEXT_VALIDATION');
  t.equal(err.extensions.excType, 'MandatoryError');
  t.equal(err.extensions.upstreamStatus, 417);
  t.match(err.message, /Value missing for ToDo: Description/);
  t.notMatch(err.message, /<[a-z]+>/);
  t.ok((err.extensions.serverMessages as string[]).length >= 1);
});

eachSite(t, 'a second document with the same name is ERPNEXT_DUPLICATE', async (t, site) => {
  const c = site.client();
  const item = { item_code: `CT-DUP-${site.tag}`, item_group: 'Products', stock_uom: 'Nos', is_stock_item: 0 };
  site.track('Item', (await c.create<Doc>('Item', item)).name);
  const err = await failure(c.create('Item', item));
  t.equal(err.code, 'ERPNEXT_DUPLICATE');
  t.equal(err.extensions.upstreamStatus, 409);
  t.equal(err.extensions.excType, 'DuplicateEntryError');
});

eachSite(t, 'list, listAll, count and filters in both forms', async (t, site) => {
  const c = site.client();
  const made: Doc[] = [];
  for (const priority of ['High', 'High', 'Low', 'Medium', 'High']) made.push(await todo(site, c, { priority }));
  const mine: FilterCondition[] = [['description', 'like', `%${site.tag}%`]];
  const page = await c.list<{ name: string; priority: string }>('ToDo', { fields: ['name', 'priority'], filters: mine, orderBy: 'creation asc', limitPageLength: 2 });
  t.same(page.map((r) => r.name), made.slice(0, 2).map((d) => d.name));
  const next = await c.list<{ name: string }>('ToDo', { filters: mine, orderBy: 'creation asc', limitStart: 2, limitPageLength: 2 });
  t.same(next.map((r) => r.name), made.slice(2, 4).map((d) => d.name));
  const all: string[] = [];
  for await (const row of c.listAll<{ name: string }>('ToDo', { filters: mine, pageSize: 2 })) all.push(row.name);
  t.same(all, made.map((d) => d.name), 'every page, in creation order, none twice');
  t.equal(await c.count('ToDo', mine), 5);
  t.equal(await c.count('ToDo', { description: ['like', `%${site.tag}%`], priority: 'High' }), 3);
  const either = await c.list<{ name: string }>('ToDo', { filters: { description: ['like', `%${site.tag}%`] }, orFilters: [['priority', '=', 'Low'], ['priority', '=', 'Medium']], limitPageLength: 10 });
  t.equal(either.length, 2);
  const inList = await c.list('ToDo', { filters: [...mine, ['priority', 'in', ['Low', 'Medium']]] });
  t.equal(inList.length, 2);
  t.equal((await failure(c.list('ToDo', { filters: [['priority', 'sounds like' as never, 'x']] }))).code, 'ERPNEXT_FILTER_INVALID', 'refused before sending');
});

eachSite(t, 'a Sales Order is submitted (docstatus 1) and cancelled (docstatus 2); submitting it again is refused', async (t, site) => {
  const c = site.client();
  const customer = await c.create<Doc>('Customer', { customer_name: `Contract Customer ${site.tag}`, customer_type: 'Company' });
  site.track('Customer', customer.name);
  const item = await c.create<Doc>('Item', { item_code: `CT-${site.tag}`, item_group: 'Products', stock_uom: 'Nos', is_stock_item: 0 });
  site.track('Item', item.name);
  const delivery = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const company = site.sim ? {} : { company: (await c.list<{ name: string }>('Company', { limitPageLength: 1 }))[0]?.name };
  const order = await c.create<Doc>('Sales Order', { customer: customer.name, delivery_date: delivery, ...company, items: [{ item_code: item.name, qty: 2, rate: 50, delivery_date: delivery }] });
  site.track('Sales Order', order.name);
  t.equal(order.docstatus, 0);
  t.equal(order.grand_total, 100);
  const submitted = await c.submit<Doc>('Sales Order', order.name);
  t.equal(submitted.docstatus, 1);
  // ERPNext may skip delivery for an order of non-stock items (then `To Bill`); the simulator always says `To Deliver and Bill`.
  if (site.sim) t.equal(submitted.status, 'To Deliver and Bill');
  else t.ok(['To Deliver and Bill', 'To Bill'].includes(String(submitted.status)), String(submitted.status));
  const cancelled = await c.cancel<Doc>('Sales Order', order.name);
  t.equal(cancelled.docstatus, 2);
  t.equal(cancelled.name, order.name);
  t.equal((await c.get<Doc>('Sales Order', order.name)).docstatus, 2);
  const err = await failure(c.submit('Sales Order', order.name));
  t.equal(err.code, 'ERPNEXT_VALIDATION');
  t.equal(err.extensions.upstreamStatus, 417);
});

eachSite(t, 'whitelisted methods by GET and POST answer their message', async (t, site) => {
  const c = site.client();
  t.equal(await c.call('frappe.ping', {}, { httpMethod: 'GET' }), 'pong');
  const doc = await todo(site, c, { priority: 'Low' });
  t.same(await c.call('frappe.client.get_value', { doctype: 'ToDo', filters: { name: doc.name }, fieldname: 'priority' }, { httpMethod: 'GET' }), { priority: 'Low' });
  t.equal(await c.call('frappe.client.get_count', { doctype: 'ToDo', filters: { name: doc.name } }, { safe: true }), 1);
  const err = await failure(c.call('frappe.no_such_module.method'));
  t.ok(['ERPNEXT_VALIDATION', 'ERPNEXT_NOT_FOUND'].includes(err.code), err.code);
});

eachSite(t, 'a file is uploaded (multipart to upload_file) and attached to a document', async (t, site) => {
  const c = site.client();
  const doc = await todo(site, c);
  const file = await c.uploadFile({ filename: `contract-${site.tag}.txt`, content: Buffer.from('hello from the contract'), contentType: 'text/plain', isPrivate: true, doctype: 'ToDo', docname: doc.name });
  site.track('File', file.name);
  t.match(file, { is_private: 1, attached_to_doctype: 'ToDo', attached_to_name: doc.name });
  t.match(file.file_url, new RegExp(`^/private/files/contract-${site.tag}.*\\.txt$`));
  if (site.sim) t.equal(site.sim.document('File', file.name)?.file_size, 23);
});

eachSite(t, 'a user without the role is ERPNEXT_PERMISSION_DENIED with the server\'s message', async (t, site) => {
  if (!simulatorOnly(t, site, 'needs a second user without roles')) return;
  site.sim.addUser({ email: 'clerk@example.com', password: 'pw', apiKey: 'clerkkey', apiSecret: 'clerksecret', roles: [] });
  const clerk = site.client({ apiKey: 'clerkkey', apiSecret: 'clerksecret' });
  t.equal(await clerk.getLoggedUser(), 'clerk@example.com');
  const err = await failure(clerk.list('Customer'));
  t.equal(err.code, 'ERPNEXT_PERMISSION_DENIED');
  t.equal(err.statusCode, 403);
  t.equal(err.extensions.excType, 'PermissionError');
});

eachSite(t, 'X-Frappe-Site-Name picks the site: another name is not a Frappe site', async (t, site) => {
  if (!simulatorOnly(t, site, 'needs a bench that checks the site name')) return;
  t.equal(await site.client().getLoggedUser(), 'Administrator');
  const err = await failure(site.client({ siteName: 'other.test' }).getLoggedUser());
  t.equal(err.code, 'ERPNEXT_NOT_FRAPPE');
  t.equal(err.extensions.upstreamStatus, 404);
  t.ok(site.sim.requestLog.some((r) => r.siteHeader === 'erp.test'));
});
