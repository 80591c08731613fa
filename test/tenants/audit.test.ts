import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { definePlugin, tenantPolicy } from '@dogan/runtime';
import { AuditTrail, runAuditVerify, type AuditTrailEntry } from '@dogan/tenants';
import t, { type Test } from 'tap';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { ADMIN, bearer, createKey, createTenant, startTenantKernel } from './fixtures/tenant-kernel.js';
import { createNotesPlugin } from './fixtures/notes-plugin.js';

/**
 * The audit trail through real routes: every plugin's successful writes are recorded with who, what,
 * on what and which request; a tenant reads, filters, pages and exports its own trail only; the hash
 * chain verifies, and an edited or deleted row is found and named, by the API and by the CLI.
 */

/** A plugin of the kind the audit hook records without being told: a settings update, an operation, a read-only POST. */
function widgetsPlugin() {
  return definePlugin({
    name: 'widgets',
    version: '1.0.0',
    kernel: '^0.1.0',
    dependencies: { tenants: '^0.1.0' },
    async routes(app) {
      const config = { policy: tenantPolicy('write') };
      const body = { type: 'object', additionalProperties: true } as const;
      app.put('/api/v1/:tenant/widgets/settings', { config, schema: { body } }, async (request) => {
        request.auditNote = { changes: { before: { color: 'blue', apiToken: 'old-token-1234' }, after: request.body as Record<string, unknown> } };
        return { saved: true };
      });
      app.post('/api/v1/:tenant/widgets/:id/enable', { config }, async () => ({ enabled: true }));
      app.post('/api/v1/:tenant/widgets/preview', { config: { ...config, audit: false as const }, schema: { body } }, async () => ({ preview: true }));
      // A handler naming its action wrongly: the request succeeds, and the lost entry is logged.
      app.post('/api/v1/:tenant/widgets/misnamed', { config }, async (request) => {
        request.auditNote = { action: 'Not An Action' };
        return { done: true };
      });
    },
  });
}

interface SqliteDatabase {
  prepare(sql: string): { run(): unknown };
  close(): void;
}
const SqliteDatabase = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => SqliteDatabase;

/** A statement on the control plane behind the platform's back (engine.controlPlaneRows reads SQLite read-only). */
async function tamper(engine: TestEngine, sql: string): Promise<void> {
  if (engine.name === 'postgresql') {
    await engine.controlPlaneRows(sql);
    return;
  }
  const db = new SqliteDatabase(join(engine.dataDir, 'platform.db'));
  try {
    db.prepare(sql).run();
  } finally {
    db.close();
  }
}

interface Page {
  items: AuditTrailEntry[];
  nextCursor: string | null;
}

void forEachEngine(t, 'audit trail: recorded through the routes, read, filtered, paged, exported and verified', async (t, engine) => {
  const { kernel, api, logs } = await startTenantKernel(t, engine, { plugins: [createNotesPlugin(), widgetsPlugin()], captureLogs: true });
  const { app } = kernel;
  const acme = await createTenant(t, kernel, { name: 'Acme', subdomain: 'acme' });
  const beta = await createTenant(t, kernel, { name: 'Beta', subdomain: 'beta' });
  const root = await createKey(kernel, 'acme', { name: 'root', scopes: ['read', 'write', 'admin'] });
  const betaRoot = await createKey(kernel, 'beta', { name: 'root', scopes: ['read', 'write', 'admin'] });
  const as = bearer(root.key);

  const list = async (query = '', headers: Record<string, string> = as, tenant = 'acme'): Promise<Page> => {
    const res = await app.inject({ url: `/api/v1/${tenant}/audit${query}`, headers });
    t.equal(res.statusCode, 200, `GET /api/v1/${tenant}/audit${query}`);
    return res.json();
  };
  const write = async (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({ method, url, headers: as, payload });
    return { status: res.statusCode, requestId: String(res.headers['x-request-id']), body: res.json() as Record<string, unknown> };
  };

  // What a tenant's admin does, through the tenants plugin's routes and two other plugins'.
  const created = await write('POST', '/api/v1/acme/api-keys', { name: 'ci', scopes: ['read'] });
  t.equal(created.status, 201);
  const revoked = await write('DELETE', `/api/v1/acme/api-keys/${String(created.body.id)}`);
  t.equal(revoked.status, 200);
  const note = await write('POST', '/api/v1/acme/notes', { id: 'n1', body: 'hello' });
  t.equal(note.status, 201);
  const settings = await write('PUT', '/api/v1/acme/widgets/settings', { color: 'red', apiToken: 'new-token-5678' });
  const enabled = await write('POST', '/api/v1/acme/widgets/w1/enable');
  t.equal(enabled.status, 200);
  // Neither a refusal, nor a read, nor a route declared as changing nothing is recorded.
  t.equal((await write('POST', '/api/v1/acme/notes', { id: 'n1', body: 'again' })).status, 409);
  t.equal((await app.inject({ url: '/api/v1/acme/notes', headers: as })).statusCode, 200);
  t.equal((await write('POST', '/api/v1/acme/widgets/preview', {})).status, 200);
  // The platform admin suspends the tenant, and lets it back in.
  const suspended = await app.inject({ method: 'POST', url: '/api/admin/tenants/acme/suspend', headers: ADMIN });
  t.equal(suspended.json().status, 'suspended');
  t.equal((await app.inject({ method: 'POST', url: '/api/admin/tenants/acme/activate', headers: ADMIN })).statusCode, 200);

  const all = (await list()).items;

  await t.test('each action is in the tenant’s trail: actor, action, target, request id, IP, outcome', async (t) => {
    t.same(
      all.map((e) => e.action).reverse(),
      ['tenant.created', 'api-keys.create', 'api-keys.create', 'api-keys.delete', 'notes.create', 'widgets.settings.update', 'widgets.enable', 'tenant.suspend', 'tenant.activate'],
      'oldest to newest (the list is newest first)',
    );
    t.same(all.map((e) => e.seq), [9, 8, 7, 6, 5, 4, 3, 2, 1], 'seq from 1, without gaps');
    t.ok(all.every((e) => e.tenantId === acme.id));
    const byRequest = (id: string) => all.find((e) => e.requestId === id);
    const key = { kind: 'key', id: root.id, label: `key:${root.id}` };
    t.match(byRequest(created.requestId), { action: 'api-keys.create', actor: key, target: { type: 'api-keys', id: created.body.id }, ip: '127.0.0.1', outcome: '201' });
    t.match(byRequest(created.requestId)!.details, { prefix: created.body.prefix, scopes: ['read'] }, 'the key named by its prefix');
    t.notOk(JSON.stringify(all).includes(String(created.body.key)), 'never the key itself');
    t.match(byRequest(revoked.requestId), { action: 'api-keys.delete', actor: key, target: { type: 'api-keys', id: created.body.id }, outcome: '200' });
    t.match(byRequest(note.requestId), { action: 'notes.create', actor: key, target: { type: 'notes', id: null }, outcome: '201' });
    t.match(byRequest(settings.requestId), {
      action: 'widgets.settings.update',
      target: { type: 'widgets.settings', id: null },
      changes: { before: { color: 'blue', apiToken: '********' }, after: { color: 'red', apiToken: '********' } },
    });
    t.notOk(JSON.stringify(all).includes('token-'), 'secret-looking fields are masked');
    t.match(byRequest(enabled.requestId), { action: 'widgets.enable', target: { type: 'widgets', id: 'w1' } });
    t.match(all[1], { action: 'tenant.suspend', actor: { kind: 'platform-admin', id: null }, target: { type: 'tenant', id: acme.id }, changes: { before: { status: 'trial' }, after: { status: 'suspended' } } });
    t.match(all[7], { action: 'api-keys.create', actor: { kind: 'platform-admin' }, target: { type: 'api-keys', id: root.id } }, 'a key the platform admin made is in the tenant’s trail too');
    t.match(all[8], { action: 'tenant.created', actor: { kind: 'platform-admin' }, prevHash: '0'.repeat(64) });
    for (let i = 0; i < all.length - 1; i++) t.equal(all[i]!.prevHash, all[i + 1]!.hash, `entry ${all[i]!.seq} links to the one before`);
  });

  await t.test('admin routes go to the platform’s trail', async (t) => {
    const res = await app.inject({ url: '/api/admin/audit?action=tenants', headers: ADMIN });
    t.equal(res.statusCode, 200);
    const platform: AuditTrailEntry[] = res.json().items;
    t.same(platform.map((e) => e.action).reverse(), ['tenants.create', 'tenants.create', 'tenants.api-keys.create', 'tenants.api-keys.create', 'tenants.suspend', 'tenants.activate']);
    t.ok(platform.every((e) => e.tenantId === null && e.actor.kind === 'platform-admin' && e.requestId));
    t.match(platform[1], { action: 'tenants.suspend', target: { type: 'tenants', id: 'acme' }, requestId: suspended.headers['x-request-id'], outcome: '200' });
    t.match(platform[2], { target: { type: 'api-keys', id: betaRoot.id }, details: { tenantId: beta.id, prefix: betaRoot.prefix } });
    t.same((await app.inject({ url: '/api/admin/audit/verify', headers: ADMIN })).json(), { ok: true, entries: 6 });
    t.equal((await app.inject({ url: '/api/admin/audit', headers: as })).statusCode, 403, 'a tenant key does not read the platform’s trail');
  });

  await t.test('filters', async (t) => {
    const actions = async (query: string) => (await list(query)).items.map((e) => e.action);
    t.same(await actions('?actorKind=key'), ['widgets.enable', 'widgets.settings.update', 'notes.create', 'api-keys.delete', 'api-keys.create']);
    t.same(await actions(`?actorId=${root.id}&action=api-keys`), ['api-keys.delete', 'api-keys.create']);
    t.same(await actions('?action=widgets'), ['widgets.enable', 'widgets.settings.update'], 'an action prefix matches whole words');
    t.same(await actions('?action=widgets.settings'), ['widgets.settings.update']);
    t.same(await actions('?action=widget'), []);
    t.same(await actions('?targetType=widgets&targetId=w1'), ['widgets.enable']);
    t.same(await actions('?actorKind=platform-admin&action=tenant'), ['tenant.activate', 'tenant.suspend', 'tenant.created']);
    t.equal((await list('?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z')).items.length, all.length);
    t.same(await actions('?from=2999-01-01T00:00:00Z'), []);
    t.same(await actions('?to=2000-01-01T00:00:00Z'), []);
    const range = await app.inject({ url: '/api/v1/acme/audit?from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z', headers: as });
    t.match(range.json(), { status: 400, code: 'AUDIT_RANGE_INVALID' });
    t.equal((await app.inject({ url: '/api/v1/acme/audit?actorKind=robot', headers: as })).statusCode, 400);
  });

  await t.test('cursor paging: newest first, every entry once', async (t) => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      t.ok(page.items.length <= 2);
      seen.push(...page.items.map((e) => e.seq));
      cursor = page.nextCursor;
    } while (cursor);
    t.same(seen, all.map((e) => e.seq));
    const filtered = await list('?actorKind=key&limit=3');
    const rest = await list(`?actorKind=key&limit=3&cursor=${filtered.nextCursor}`);
    t.same([...filtered.items, ...rest.items].map((e) => e.action), ['widgets.enable', 'widgets.settings.update', 'notes.create', 'api-keys.delete', 'api-keys.create']);
    t.equal(rest.nextCursor, null);
    t.match((await app.inject({ url: '/api/v1/acme/audit?cursor=bm9wZQ', headers: as })).json(), { status: 400, code: 'AUDIT_CURSOR_INVALID' });
    t.equal((await app.inject({ url: '/api/v1/acme/audit?limit=201', headers: as })).statusCode, 400, 'at most 200 a page');
  });

  await t.test('NDJSON export, oldest first, with the same filters', async (t) => {
    const res = await app.inject({ url: '/api/v1/acme/audit/export', headers: as });
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^application\/x-ndjson/);
    const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditTrailEntry);
    t.same(lines, [...all].reverse(), 'the entries as listed');
    const widgets = await app.inject({ url: '/api/v1/acme/audit/export?action=widgets', headers: as });
    t.same(widgets.body.trimEnd().split('\n').map((l) => (JSON.parse(l) as AuditTrailEntry).action), ['widgets.settings.update', 'widgets.enable']);
  });

  await t.test('a second tenant sees nothing of the first’s trail', async (t) => {
    const betaAs = bearer(betaRoot.key);
    for (const path of ['', '/export', '/verify']) {
      const res = await app.inject({ url: `/api/v1/acme/audit${path}`, headers: betaAs });
      t.match(res.json(), { status: 403, code: 'API_KEY_TENANT_MISMATCH' }, `/audit${path}`);
    }
    t.equal((await app.inject({ method: 'PUT', url: '/api/admin/tenants/beta', headers: ADMIN, payload: { name: 'Beta Two' } })).statusCode, 200);
    const own = (await list('', betaAs, 'beta')).items;
    t.same(own.map((e) => e.action).reverse(), ['tenant.created', 'api-keys.create', 'tenant.updated']);
    t.match(own[0], { changes: { before: { name: 'Beta' }, after: { name: 'Beta Two' } } }, 'a change is kept as before and after');
    t.ok(own.every((e) => e.tenantId === beta.id));
    const ids = new Set(all.map((e) => e.requestId));
    t.notOk(own.some((e) => ids.has(e.requestId) && e.requestId !== null), 'no request of acme’s');
    const reader = await createKey(kernel, 'acme', { name: 'reader', scopes: ['read', 'write'] });
    t.match((await app.inject({ url: '/api/v1/acme/audit', headers: bearer(reader.key) })).json(), { status: 403, code: 'API_KEY_SCOPE_MISSING' }, 'reading it takes the admin scope');
  });

  await t.test('an entry that cannot be recorded is logged with its request id; the response was already sent', async (t) => {
    const before = (await list()).items.length;
    const misnamed = await write('POST', '/api/v1/acme/widgets/misnamed');
    t.equal(misnamed.status, 200);
    await api.audit.settled(acme.id);
    const logged = logs.filter((l) => l.msg === 'the audit entry of a request could not be recorded');
    t.match(logged, [{ level: 50, requestId: misnamed.requestId, action: 'Not An Action', err: { code: 'AUDIT_ENTRY_INVALID' } }]);
    t.equal((await list()).items.length, before, 'and nothing half-written is in the trail');
  });

  await t.test('50 appends at once, from two nodes, leave a gapless chain that verifies', async (t) => {
    const tenantId = randomUUID();
    const otherNode = new AuditTrail(api.controlPlane);
    const writes = Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? otherNode : api.audit).record({ tenantId, actor: { kind: 'system', id: 'test' }, action: 'load.write', target: { type: 'n', id: String(i) } }),
    );
    const entries = await Promise.all(writes);
    t.same(entries.map((e) => e.seq).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
    await otherNode.drain();
    t.same(await api.audit.verify(tenantId), { ok: true, entries: 50 });
    // And through the routes: writes answered together are all recorded.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => write('POST', '/api/v1/acme/notes', { id: `bulk-${i}`, body: 'x' })));
    t.ok(answers.every((a) => a.status === 201));
    const bulk = (await list('?action=notes&limit=200')).items.filter((e) => e.target?.type === 'notes');
    t.equal(bulk.length, 21);
    t.same(new Set(bulk.map((e) => e.requestId)), new Set([note.requestId, ...answers.map((a) => a.requestId)]));
  });

  await t.test('verify: ok; an edited row or a deleted one is named, by the API and by the CLI', async (t) => {
    const verify = async (tenant = 'acme') => (await app.inject({ url: `/api/v1/${tenant}/audit/verify`, headers: ADMIN })).json();
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const code = await runAuditVerify(args, api, (line) => out.push(line));
      return { code, out };
    };
    // Since `all` was read: the 20 notes, and the reader key the platform admin made.
    const total = all.length + 21;
    t.same(await verify(), { ok: true, entries: total });
    t.same(await cli('--tenant', 'acme'), { code: 0, out: [`tenant ${acme.id}: ok, ${total} entries`] });

    await tamper(engine, `UPDATE audit_log SET action = 'notes.delete' WHERE chain = '${acme.id}' AND seq = 5`);
    t.match(await verify(), { ok: false, entries: 4, firstBadSeq: 5, reason: 'hash_mismatch' }, 'an edited field');
    const broken = await cli('--tenant', 'acme');
    t.equal(broken.code, 1);
    t.match(broken.out[0], /BROKEN at entry 5 \(hash_mismatch\)/);
    await tamper(engine, `UPDATE audit_log SET action = 'notes.create' WHERE chain = '${acme.id}' AND seq = 5`);
    t.same(await verify(), { ok: true, entries: total }, 'put back, it verifies again');

    await tamper(engine, `UPDATE audit_log SET ip = '10.0.0.1' WHERE chain = '${acme.id}' AND seq = 7`);
    t.match(await verify(), { ok: false, firstBadSeq: 7, reason: 'hash_mismatch' }, 'any field');
    await tamper(engine, `UPDATE audit_log SET ip = '127.0.0.1' WHERE chain = '${acme.id}' AND seq = 7`);

    await tamper(engine, `DELETE FROM audit_log WHERE chain = '${acme.id}' AND seq = 3`);
    t.match(await verify(), { ok: false, entries: 2, firstBadSeq: 3, reason: 'seq_gap' }, 'a deleted row');
    t.match((await cli('--tenant', acme.id)).out[0], /BROKEN at entry 3 \(seq_gap\)/);

    await tamper(engine, `UPDATE audit_log SET prev_hash = '${'f'.repeat(64)}' WHERE chain = '${beta.id}' AND seq = 2`);
    t.match(await verify('beta'), { ok: false, firstBadSeq: 2, reason: 'prev_hash_mismatch' });
    const last = ((await app.inject({ url: '/api/admin/audit?limit=1', headers: ADMIN })).json() as Page).items[0]!.seq;
    await tamper(engine, `DELETE FROM audit_log WHERE chain = 'platform' AND seq = ${last}`);
    t.match((await app.inject({ url: '/api/admin/audit/verify', headers: ADMIN })).json(), { ok: false, entries: last - 1, firstBadSeq: last, reason: 'seq_gap' }, 'the last row deleted: the head still counts it');

    const every = await cli('--all');
    t.equal(every.code, 1);
    t.equal(every.out.length, 4, 'acme, beta, the 50 appends and the platform');
    t.equal(every.out.filter((l) => l.includes('BROKEN')).length, 3);
  });
});

t.test('the audit trail’s error codes are its own', async (t: Test) => {
  const { AuditErrors, TenantErrors } = await import('@dogan/tenants');
  const { KernelErrors } = await import('@dogan/runtime');
  for (const code of Object.keys(AuditErrors)) {
    t.notOk(code in TenantErrors || code in KernelErrors, `${code} is unique`);
    t.match(code, /^AUDIT_[A-Z_]+$/);
  }
});
