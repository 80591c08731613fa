/**
 * The same client on Frappe's v2 routes (`/api/v2/document`, `/api/v2/method`, answers in `data`,
 * errors as `errors: [{ type, message }]`). A real site older than Frappe 15 has no v2: skipped there.
 */
import t, { type Test } from 'tap';
import { announceRealSite, eachSite, type ContractSite } from './contract-site.js';

announceRealSite(t);

type Doc = { name: string; modified: string; docstatus: number; [k: string]: unknown };

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; extensions: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected a failure');
}

async function hasV2(t: Test, site: ContractSite): Promise<boolean> {
  if (site.sim) return true;
  try {
    await site.client({ apiVersion: 'v2' }).call('frappe.ping', {}, { httpMethod: 'GET' });
    return true;
  } catch {
    t.skip('this ERPNext has no v2 API (Frappe 15 and later have it)', async () => undefined);
    return false;
  }
}

eachSite(t, 'v2: documents, lists, counts, methods and errors', async (t, site) => {
  if (!(await hasV2(t, site))) return;
  const c = site.client({ apiVersion: 'v2' });
  t.equal(await c.getLoggedUser(), site.sim ? 'Administrator' : await site.client().getLoggedUser());
  t.equal(await c.call('frappe.ping', {}, { httpMethod: 'GET' }), 'pong');
  const made: Doc[] = [];
  for (const priority of ['High', 'Low', 'High']) {
    const doc = await c.create<Doc>('ToDo', { description: `v2 ${site.tag}`, priority });
    site.track('ToDo', doc.name);
    made.push(doc);
  }
  t.match(await c.get('ToDo', made[0]!.name), { name: made[0]!.name, priority: 'High' });
  const rows: string[] = [];
  for await (const row of c.listAll<{ name: string }>('ToDo', { filters: [['description', 'like', `%${site.tag}%`]], pageSize: 2 })) rows.push(row.name);
  t.same(rows, made.map((d) => d.name));
  t.equal(await c.count('ToDo', { description: ['like', `%${site.tag}%`], priority: 'High' }), 2);
  const updated = await c.update<Doc>('ToDo', made[1]!.name, { status: 'Closed' });
  t.equal(updated.status, 'Closed');
  const stale = await failure(c.update('ToDo', made[1]!.name, { status: 'Open', modified: made[1]!.modified }));
  t.equal(stale.code, 'ERPNEXT_TIMESTAMP_MISMATCH');
  await c.delete('ToDo', made[2]!.name);
  const gone = await failure(c.get('ToDo', made[2]!.name));
  t.equal(gone.code, 'ERPNEXT_NOT_FOUND');
  t.equal(gone.extensions.excType, 'DoesNotExistError');
  const missing = await failure(c.create('ToDo', { priority: 'Low' }));
  t.equal(missing.code, 'ERPNEXT_VALIDATION');
  t.match(missing.message, /Description/);
});

eachSite(t, 'v2: a file upload answers the File document in data', async (t, site) => {
  if (!(await hasV2(t, site))) return;
  const c = site.client({ apiVersion: 'v2' });
  const file = await c.uploadFile({ filename: `v2-${site.tag}.txt`, content: Buffer.from('v2'), contentType: 'text/plain' });
  site.track('File', file.name);
  t.match(file.file_url, /^\/files\/v2-/);
});
