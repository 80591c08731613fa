import t from 'tap';
import { loadFixture, startModulesKernel, startServer } from './helpers.js';

t.test('a module route runs end to end: tenant, settings, headers without credentials, text answers, logs', async (t) => {
  const k = await startModulesKernel(t);
  loadFixture(k.runtime, 'notes', { PORT: 1 });
  await k.runtime.enableForTenant(k.tenant(0).id, 'test.notes', ['store'], { greeting: 'marhaba' });
  const res = await k.call(k.tenant(0), 'test.notes', '/hello?x=1');
  t.equal(res.status, 200);
  t.match(res.body, { greeting: 'marhaba', tenant: { id: k.tenant(0).id, locale: 'en', timezone: 'Asia/Riyadh' }, query: { x: '1' } });
  t.notOk(res.body.headers.authorization, 'no authorization header reaches the module');
  t.notOk(res.body.headers.cookie, 'no cookie reaches the module');
  const text = await k.kernel.app.inject({ url: `/api/v1/${k.tenant(0).subdomain}/apps/test.notes/text`, headers: { authorization: 'Bearer test-admin-token-0123456789abcdef' } });
  t.equal(text.body, 'plain words');
  t.equal(text.headers['x-note'], 'yes');
  t.notOk(text.headers['set-cookie'], 'headers outside the allowlist are dropped');
  const missing = await k.call(k.tenant(0), 'test.notes', '/nope');
  t.equal(missing.status, 404);
  t.equal(missing.body.code, 'MODULE_ROUTE_NOT_FOUND');
  const notEnabled = await k.call(k.tenant(1), 'test.notes', '/hello');
  t.equal(notEnabled.body.code, 'MODULE_NOT_ENABLED');
  const logs = await k.runtime.readLogs(k.tenant(0), 'test.notes', { limit: 10 });
  t.same(logs.map((l) => l.message).sort(), ['hello called', 'installed']);
});

t.test('enabling checks grants and settings', async (t) => {
  const k = await startModulesKernel(t, { tenantCount: 1 });
  loadFixture(k.runtime, 'notes', { PORT: 1 });
  await t.rejects(k.runtime.enableForTenant(k.tenant(0).id, 'test.notes', []), { code: 'MODULE_GRANT_MISSING' });
  await t.rejects(k.runtime.enableForTenant(k.tenant(0).id, 'test.notes', ['store', 'root']), { code: 'MODULE_GRANT_UNKNOWN' });
  await t.rejects(k.runtime.enableForTenant(k.tenant(0).id, 'test.notes', ['store'], { greeting: 5 }), { code: 'MODULE_SETTINGS_INVALID' });
});

t.test('storage: insert, get, update, delete, schema checks, unique index, filters and cursor pages', async (t) => {
  const k = await startModulesKernel(t);
  loadFixture(k.runtime, 'notes', { PORT: 1 });
  for (const n of [0, 1]) await k.runtime.enableForTenant(k.tenant(n).id, 'test.notes', ['store']);
  const a = k.tenant(0);
  const created = await k.call(a, 'test.notes', '/notes', { method: 'POST', body: { id: 'n1', title: 'first', priority: 3, tag: 'x' } });
  t.equal(created.status, 201);
  t.same(created.body, { title: 'first', priority: 3, tag: 'x', id: 'n1' });
  const invalid = await k.call(a, 'test.notes', '/notes', { method: 'POST', body: { title: 'bad', colour: 'red' } });
  t.equal(invalid.status, 502, 'an uncaught storage error fails the route');
  t.equal(invalid.body.code, 'SANDBOX_MODULE_ERROR');
  t.match(invalid.body.detail, /does not match the collection schema/);
  const duplicate = await k.call(a, 'test.notes', '/notes', { method: 'POST', body: { title: 'first' } });
  t.match(duplicate.body.detail, /already has a document/, 'the unique index on title holds');
  for (let i = 2; i <= 7; i++) await k.call(a, 'test.notes', '/notes', { method: 'POST', body: { id: `n${i}`, title: `note ${i}`, priority: i % 4, tag: i % 2 ? 'odd' : 'even' } });
  t.same((await k.call(a, 'test.notes', '/notes/n1')).body.title, 'first');
  t.same((await k.call(a, 'test.notes', '/notes/n1', { method: 'PATCH', body: { done: true } })).body, { title: 'first', priority: 3, tag: 'x', done: true, id: 'n1' });
  t.same((await k.call(a, 'test.notes', '/notes/n1', { method: 'DELETE' })).body, { deleted: true });
  t.equal((await k.call(a, 'test.notes', '/notes/n1')).status, 404);

  const q = (body: unknown) => k.call(a, 'test.notes', '/query', { method: 'POST', body });
  t.same((await q({ where: { tag: 'odd' }, sort: 'id' })).body.items.map((n: { id: string }) => n.id), ['n3', 'n5', 'n7']);
  t.same((await q({ where: { priority: { gte: 2 }, tag: 'even' }, sort: 'id' })).body.items.map((n: { id: string }) => n.id), ['n2', 'n6']);
  t.same((await q({ where: { or: [{ id: 'n2' }, { priority: { in: [1] } }] }, sort: 'id' })).body.items.map((n: { id: string }) => n.id), ['n2', 'n5']);
  t.same((await q({ where: { title: "x' OR 1=1 --" } })).body.items, [], 'values are bound, never spliced into SQL');
  t.equal((await q({ where: { 'title) OR (1': 1 } })).body.code, 'MODULE_STORAGE_INVALID');
  t.equal((await q({ where: { secret: 1 } })).body.code, 'MODULE_STORAGE_INVALID', 'only declared fields can be filtered');
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await q({ sort: '-priority', limit: 2, ...(cursor ? { cursor } : {}) });
    seen.push(...page.body.items.map((n) => n.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  t.same(seen, ['n7', 'n3', 'n6', 'n2', 'n5', 'n4'], 'keyset pages by priority then id, both descending');
  const other = await k.call(k.tenant(1), 'test.notes', '/notes');
  t.same(other.body.items, [], "another tenant's storage is its own");
});

t.test('events reach subscribers; jobs run on demand; outbound fetch honours the allowlist', async (t) => {
  const { port } = await startServer(t, (req, res) => res.end(`hello from ${req.url}`));
  const k = await startModulesKernel(t, { tenantCount: 1, sandbox: { network: { trustedHosts: { 'allowed.test': '127.0.0.1' } } } });
  loadFixture(k.runtime, 'notes', { PORT: port });
  const a = k.tenant(0);
  await k.runtime.enableForTenant(a.id, 'test.notes', ['store', 'notify', 'web', 'cron']);
  await k.call(a, 'test.notes', '/notes', { method: 'POST', body: { id: 'e1', title: 'evented', emit: true } }).catch(() => undefined);
  t.same((await k.call(a, 'test.notes', '/notes/e1')).status, 404, 'the schema refused the extra "emit" field');
  const emitted = await k.call(a, 'test.notes', '/emit', { method: 'POST', body: { type: 'other.thing', payload: {} } });
  t.same(emitted.body, { code: 'SANDBOX_PERMISSION_DENIED' }, 'emitting outside the granted types is refused');
  await k.runtime.emitEvent(a.id, 'test.notes.created', { id: 'x1' });
  t.same(await k.runtime.runJob(a.id, 'test.notes', 'count'), { notes: 0 });
  const ok = await k.call(a, 'test.notes', `/fetch?url=${encodeURIComponent(`http://allowed.test:${port}/v1/ping`)}`);
  t.same(ok.body, { status: 200, body: 'hello from /v1/ping' });
  const post = await k.call(a, 'test.notes', `/fetch?method=POST&url=${encodeURIComponent(`http://allowed.test:${port}/v1/ping`)}`);
  t.equal(post.body.code, 'SANDBOX_HTTP_FORBIDDEN', 'a method outside the grant is refused');
  const elsewhere = await k.call(a, 'test.notes', `/fetch?url=${encodeURIComponent('http://example.com/')}`);
  t.equal(elsewhere.body.code, 'SANDBOX_HTTP_FORBIDDEN', 'a URL outside the allowlist is refused');
});
