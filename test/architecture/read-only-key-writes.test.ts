import t from 'tap';
import type { Kernel } from '@dogan/runtime';
import { tenantsApiRef, type Tenant } from '@dogan/tenants';
import { modulesRuntimeRef } from '../../plugins/modules/src/index.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { startFullKernel, type RegisteredRoute } from './helpers/full-kernel.js';

/**
 * A key with only the `read` scope writes nothing, anywhere. The table is every write route
 * (POST, PUT, PATCH, DELETE) Fastify registered with every first-party plugin loaded, plus the write
 * routes of the modules installed for each tenant (the notes module), for two tenants: each call
 * is refused 403 API_KEY_SCOPE_MISSING as a problem document, and afterwards every table of the
 * control plane and of both tenants' databases, and what the tenants' GET routes answer, are as
 * they were. Write routes that are not tenant routes refuse the key too, each by its own check.
 */

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PROBLEM = /^application\/problem\+json/;
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const MODULE_ROUTE = '/api/v1/:tenant/apps/:moduleId/*';
/** Tables whose rows count calls (metering counts every answered call, refusals too): not state a write changes. */
const CALL_COUNTERS = /usage|allowance|counter/i;

interface Call {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly auth: string;
}

interface TenantUnderTest {
  readonly tenant: Tenant;
  readonly readerKey: string;
  readonly readerKeyId: string;
}

/** A concrete URL for a registered route pattern: the tenant's subdomain, and a plausible value for every other parameter. */
function concrete(pattern: string, who: TenantUnderTest, rest = ''): string {
  return pattern
    .replace(':tenant', who.tenant.subdomain)
    .replace(':moduleId', 'dogan.notes')
    .replace(':keyId', who.readerKeyId)
    .replace(/:[A-Za-z]+/g, 'probe')
    .replace('*', rest.replace(/^\//, ''));
}

async function installedModuleWrites(kernel: Kernel, who: TenantUnderTest): Promise<Array<{ method: string; moduleId: string; path: string }>> {
  const listed = await kernel.app.inject({ url: `/api/v1/${who.tenant.subdomain}/modules`, headers: ADMIN });
  const installed = (listed.json().items as Array<{ id: string; status: string }>).filter((m) => m.status === 'installed');
  const runtime = kernel.host.service(modulesRuntimeRef);
  return installed.flatMap(({ id }) =>
    runtime
      .installed(who.tenant.id, id)
      .module.manifest.routes.filter((r) => WRITE_METHODS.has(r.method))
      .map((r) => ({ method: r.method, moduleId: id, path: r.path.replace(/:[A-Za-z]+/g, 'probe') })),
  );
}

/** The table: every registered write route, module routes expanded into the installed modules' own. */
async function writeCalls(kernel: Kernel, routes: readonly RegisteredRoute[], who: TenantUnderTest): Promise<Call[]> {
  const calls: Call[] = [];
  for (const route of routes.filter((r) => WRITE_METHODS.has(r.method))) {
    const auth = route.policy?.auth ?? 'none';
    if (route.url === MODULE_ROUTE) {
      for (const m of (await installedModuleWrites(kernel, who)).filter((m) => m.method === route.method)) {
        calls.push({ name: `${m.method} ${m.moduleId}${m.path} (${who.tenant.subdomain})`, method: m.method, url: concrete(MODULE_ROUTE, who, m.path).replace('dogan.notes', m.moduleId), auth });
      }
      continue;
    }
    calls.push({ name: `${route.method} ${route.url} (${who.tenant.subdomain})`, method: route.method, url: concrete(route.url, who), auth });
  }
  return calls;
}

async function tableCounts(run: (sql: string) => Promise<Array<Record<string, unknown>>>): Promise<Record<string, number>> {
  const tables = (await run("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).map((r) => String(r.name));
  const out: Record<string, number> = {};
  for (const table of tables.filter((name) => !CALL_COUNTERS.test(name))) out[table] = Number((await run(`SELECT COUNT(*) AS n FROM "${table}"`))[0]!.n);
  return out;
}

/** An answer without the id of the request that got it. */
function withoutRequestId(body: string): unknown {
  try {
    const { requestId: _requestId, ...rest } = JSON.parse(body) as Record<string, unknown>;
    return rest;
  } catch {
    return body;
  }
}

/** What a write could have changed: row counts of every table, and what every tenant GET route without other parameters answers. */
async function snapshot(kernel: Kernel, routes: readonly RegisteredRoute[], tenants: readonly TenantUnderTest[]) {
  const api = kernel.host.service(tenantsApiRef);
  const controlPlane = await tableCounts(async (sql) => (await api.controlPlane.em.getConnection().execute(sql, [], 'all')) as Array<Record<string, unknown>>);
  const perTenant: Record<string, unknown> = {};
  const reads = routes.filter((r) => r.method === 'GET' && r.policy?.auth === 'tenant' && r.url.startsWith('/api/v1/:tenant/') && !/:(?!tenant)/.test(r.url));
  for (const who of tenants) {
    const em = await api.databases.em(who.tenant);
    const rows = await tableCounts(async (sql) => (await em.getConnection().execute(sql, [], 'all')) as Array<Record<string, unknown>>);
    const answers: Record<string, unknown> = {};
    // Usage reports count calls, this suite's own among them: they are not what a write would change.
    for (const route of reads.filter((r) => !/usage|quota/.test(r.url))) {
      const res = await kernel.app.inject({ url: concrete(route.url, who), headers: ADMIN });
      answers[route.url] = { status: res.statusCode, body: withoutRequestId(res.body) };
    }
    const notes = await kernel.app.inject({ url: `/api/v1/${who.tenant.subdomain}/apps/dogan.notes/notes`, headers: { authorization: `Bearer ${who.readerKey}` } });
    perTenant[who.tenant.subdomain] = { rows, answers, notes: { status: notes.statusCode, body: notes.body } };
  }
  return { controlPlane, perTenant };
}

/** Waits until the control plane's row counts stay the same for 1.5 s, longer than the relay's sweep (background work done). */
async function quiet(kernel: Kernel): Promise<void> {
  const api = kernel.host.service(tenantsApiRef);
  const counts = async () => JSON.stringify(await tableCounts(async (sql) => (await api.controlPlane.em.getConnection().execute(sql, [], 'all')) as Array<Record<string, unknown>>));
  const end = Date.now() + 20_000;
  let last = await counts();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1500));
    const now = await counts();
    if (now === last) return;
    last = now;
  }
  throw new Error('the control plane kept changing for 20 s after the set-up');
}

t.test('a read-only key is refused on every write route, for two tenants, and nothing changes', async (t) => {
  const { kernel, routes, demoKey } = await startFullKernel(t);
  const { app } = kernel;
  const api = kernel.host.service(tenantsApiRef);

  // The second tenant, with the notes module as the demo tenant has it, and a note in each.
  t.equal((await app.inject({ method: 'POST', url: '/api/admin/tenants', headers: ADMIN, payload: { name: 'Other Co', subdomain: 'other-co' } })).statusCode, 201);
  const install = await app.inject({ method: 'POST', url: '/api/v1/other-co/modules/dogan.notes/install', headers: ADMIN, payload: { grants: ['notes-storage'] } });
  t.equal(install.statusCode, 201, 'the notes module is installed for the second tenant');
  for (const [subdomain, key] of [['demo', demoKey], ['other-co', TEST_ADMIN_TOKEN]] as const) {
    const note = await app.inject({ method: 'POST', url: `/api/v1/${subdomain}/apps/dogan.notes/notes`, headers: { authorization: `Bearer ${key}` }, payload: { text: `a note of ${subdomain}` } });
    t.equal(note.statusCode, 201, `a note for ${subdomain}`);
  }
  const tenants: TenantUnderTest[] = [];
  for (const subdomain of ['demo', 'other-co']) {
    const created = await app.inject({ method: 'POST', url: `/api/admin/tenants/${subdomain}/api-keys`, headers: ADMIN, payload: { name: 'reader', scopes: ['read'] } });
    t.equal(created.statusCode, 201);
    tenants.push({ tenant: (await api.tenants.find(subdomain))!, readerKey: created.json().key, readerKeyId: created.json().id });
  }

  // The set-up's own events (tenant created, module installed...) are relayed and handled in the
  // background; wait until that is done, so what changes afterwards is the refused writes' doing.
  await quiet(kernel);
  const before = await snapshot(kernel, routes, tenants);
  const notesBefore = (before.perTenant.demo as { notes: { status: number; body: string } }).notes;
  t.equal(notesBefore.status, 200, 'the read-only key reads');
  t.match(notesBefore.body, /a note of demo/);

  const refusedElsewhere: string[] = [];
  let tenantCalls = 0;
  for (const who of tenants) {
    const calls = await writeCalls(kernel, routes, who);
    t.ok(calls.some((c) => c.url.includes('/apps/dogan.notes/notes')), `the notes module's write route is in the table (${who.tenant.subdomain})`);
    for (const call of calls) {
      const res = await app.inject({
        method: call.method as 'POST',
        url: call.url,
        headers: { authorization: `Bearer ${who.readerKey}` },
        ...(call.method === 'DELETE' ? {} : { payload: {} }),
      });
      const body = PROBLEM.test(String(res.headers['content-type'])) ? (res.json() as { code?: string }) : { code: `not a problem: ${res.body.slice(0, 80)}` };
      if (call.auth === 'tenant') {
        tenantCalls++;
        t.equal(res.statusCode, 403, `${call.name}: 403`);
        t.equal(body.code, 'API_KEY_SCOPE_MISSING', `${call.name}: API_KEY_SCOPE_MISSING`);
      } else if (call.auth === 'platform-admin') {
        t.equal(res.statusCode, 403, `${call.name}: 403`);
        t.equal(body.code, 'FORBIDDEN', `${call.name}: a tenant key is not the platform admin token`);
      } else {
        // Webhooks and the registry check their own credential; the key is none of them.
        if (res.statusCode < 400 || res.statusCode >= 500 || !PROBLEM.test(String(res.headers['content-type']))) refusedElsewhere.push(`${call.name}: ${res.statusCode} ${body.code}`);
      }
    }
  }
  t.ok(tenantCalls >= 30, `${tenantCalls} tenant write calls were refused`);
  t.same(refusedElsewhere, [], 'write routes with their own credential refuse the key with a 4xx problem');

  const after = await snapshot(kernel, routes, tenants);
  t.same(after.controlPlane, before.controlPlane, 'no control-plane table changed');
  t.same(after.perTenant, before.perTenant, "neither tenant's tables nor what its GET routes answer changed");
});
