import t from 'tap';
import type { Kernel } from '@dogan/runtime';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, PROBLEM, bearer, createKey, createTenant, inventory, startTenantKernel } from './fixtures/tenant-kernel.js';

const DAY = 86_400_000;

/** What the tenant's own API answers, with the admin token and with the tenant's key. */
async function gate(kernel: Kernel, subdomain: string, key: string): Promise<Array<{ status: number; code?: string }>> {
  const out = [];
  for (const headers of [ADMIN, bearer(key)]) {
    const res = await kernel.app.inject({ url: `/api/v1/${subdomain}/notes`, headers });
    if (res.statusCode === 200) out.push({ status: 200 });
    else out.push({ status: res.statusCode, code: res.headers['content-type'] === PROBLEM ? (res.json().code as string) : `not a problem: ${res.body}` });
  }
  return out;
}

void forEachEngine(t, 'lifecycle transitions and the status gate', async (t, engine) => {
  const { kernel } = await startTenantKernel(t, engine, { env: { TENANT_DELETION_GRACE_DAYS: '7' } });
  const { app } = kernel;
  const acme = await createTenant(t, kernel, { name: 'Acme', subdomain: 'acme' });
  const beta = await createTenant(t, kernel, { name: 'Beta', subdomain: 'beta' });
  const acmeKey = (await createKey(kernel, 'acme')).key;
  const betaKey = (await createKey(kernel, 'beta')).key;
  await app.inject({ method: 'POST', url: '/api/v1/acme/notes', headers: ADMIN, payload: { id: 'n1', body: 'kept through it all' } });

  const act = (action: string) => app.inject({ method: 'POST', url: `/api/admin/tenants/${acme.id}/${action}`, headers: ADMIN });
  const remove = () => app.inject({ method: 'DELETE', url: `/api/admin/tenants/${acme.id}`, headers: ADMIN });
  const status = async () => (await app.inject({ url: `/api/admin/tenants/${acme.id}`, headers: ADMIN })).json().status as string;

  const pass = [{ status: 200 }, { status: 200 }];
  const refused = (code: string) => [{ status: 403, code }, { status: 403, code }];
  t.same(await gate(kernel, 'acme', acmeKey), pass, 'trial passes');

  const steps: Array<{ run: () => ReturnType<typeof act>; to: string; gate: Array<{ status: number; code?: string }> }> = [
    { run: () => act('suspend'), to: 'suspended', gate: refused('TENANT_SUSPENDED') },
    { run: () => act('activate'), to: 'active', gate: pass },
    { run: () => act('cancel'), to: 'cancelled', gate: refused('TENANT_CANCELLED') },
    { run: () => act('activate'), to: 'active', gate: pass },
    { run: () => act('suspend'), to: 'suspended', gate: refused('TENANT_SUSPENDED') },
    { run: remove, to: 'pending_deletion', gate: refused('TENANT_PENDING_DELETION') },
    { run: () => act('restore'), to: 'suspended', gate: refused('TENANT_SUSPENDED') },
    { run: () => act('activate'), to: 'active', gate: pass },
    { run: remove, to: 'pending_deletion', gate: refused('TENANT_PENDING_DELETION') },
    { run: () => act('restore'), to: 'active', gate: pass },
  ];
  for (const [i, step] of steps.entries()) {
    const res = await step.run();
    t.equal(res.statusCode, 200, `step ${i + 1} answered 200`);
    t.equal(res.json().status, step.to, `step ${i + 1} leads to ${step.to}`);
    t.same(await gate(kernel, 'acme', acmeKey), step.gate, `the gate while ${step.to}`);
    t.same(await gate(kernel, 'beta', betaKey), pass, 'the other tenant is unaffected');
  }

  // Deletion keeps the data for the grace period and says until when.
  const deleted = await remove();
  const until = Date.parse(deleted.json().deletionScheduledAt);
  t.ok(Math.abs(until - (Date.now() + 7 * DAY)) < 60_000, 'restorable for TENANT_DELETION_GRACE_DAYS');

  await t.test('refused transitions: 409 TENANT_TRANSITION_INVALID, status unchanged', async (t) => {
    const refusals: Array<[() => ReturnType<typeof act>, string]> = [
      [() => act('suspend'), 'pending_deletion'],
      [() => act('activate'), 'pending_deletion'],
      [() => act('cancel'), 'pending_deletion'],
      [remove, 'pending_deletion'],
    ];
    for (const [run, from] of refusals) {
      const res = await run();
      t.equal(res.statusCode, 409);
      t.equal(res.headers['content-type'], PROBLEM);
      t.equal(res.json().code, 'TENANT_TRANSITION_INVALID');
      t.match(res.json().detail, /pending deletion/);
      t.equal(await status(), from);
    }
    t.equal((await act('restore')).json().status, 'active');
    const restoreActive = await act('restore');
    t.equal(restoreActive.statusCode, 409, 'restoring a tenant that is not being deleted');
    t.equal(restoreActive.json().code, 'TENANT_TRANSITION_INVALID');
    await act('cancel');
    const suspendCancelled = await act('suspend');
    t.equal(suspendCancelled.statusCode, 409, 'suspending a cancelled tenant');
    t.equal(await status(), 'cancelled');
    t.equal((await act('activate')).json().status, 'active');
  });

  const note = await app.inject({ url: '/api/v1/acme/notes/n1', headers: bearer(acmeKey) });
  t.equal(note.json().body, 'kept through it all', 'no transition touched the data');

  await t.test('purge removes the record, the database and the keys; the other tenant stays', async (t) => {
    const before = await inventory(engine);
    const purge = await app.inject({ method: 'DELETE', url: `/api/admin/tenants/${acme.id}?purge=true`, headers: ADMIN });
    t.equal(purge.statusCode, 204);
    const after = await inventory(engine);
    t.equal(after.tenants, before.tenants - 1);
    t.equal(after.databases.length, before.databases.length - 1);
    t.equal((await app.inject({ url: `/api/admin/tenants/${acme.id}`, headers: ADMIN })).json().code, 'TENANT_NOT_FOUND');
    const withKey = await app.inject({ url: '/api/v1/tenant/info', headers: bearer(acmeKey) });
    t.equal(withKey.statusCode, 401, "the purged tenant's key is refused");
    const keys = await engine.controlPlaneRows(`SELECT revoked_at FROM api_keys WHERE tenant_id = '${acme.id}'`);
    t.ok(keys.length > 0 && keys.every((k) => k.revoked_at !== null), 'its keys are revoked');
    t.same(await gate(kernel, 'beta', betaKey), pass);
    t.equal((await app.inject({ url: `/api/admin/tenants/${beta.id}`, headers: ADMIN })).json().status, 'trial');
  });
});

void forEachEngine(t, 'the sweep expires ended trials and purges tenants past their grace period', async (t, engine) => {
  const { kernel, api } = await startTenantKernel(t, engine, { env: { TENANT_DELETION_GRACE_DAYS: '7' } });
  const { app } = kernel;
  const short = await createTenant(t, kernel, { name: 'Short Trial', subdomain: 'short', trialDays: 1 });
  const long = await createTenant(t, kernel, { name: 'Long Trial', subdomain: 'long', trialDays: 30 });
  const paid = await createTenant(t, kernel, { name: 'No Trial', subdomain: 'paid', trialDays: 0 });
  const leaving = await createTenant(t, kernel, { name: 'Leaving', subdomain: 'leaving', trialDays: 30 });
  const shortKey = (await createKey(kernel, 'short')).key;
  await app.inject({ method: 'DELETE', url: `/api/admin/tenants/${leaving.id}`, headers: ADMIN });
  const start = Date.now();

  t.same(await api.tenants.sweep(new Date(start)), { expired: [], purged: [], rolledBack: [], failed: [] }, 'nothing is due now');

  const first = await api.tenants.sweep(new Date(start + 2 * DAY));
  t.same(first, { expired: [short.id], purged: [], rolledBack: [], failed: [] }, 'after two days only the one-day trial has ended');
  const expired = await app.inject({ url: '/api/v1/short/notes', headers: bearer(shortKey) });
  t.equal(expired.statusCode, 403);
  t.equal(expired.json().code, 'TENANT_EXPIRED');
  t.equal((await app.inject({ url: '/api/v1/long/notes', headers: ADMIN })).statusCode, 200, 'the longer trial still passes');

  const before = await inventory(engine);
  const second = await api.tenants.sweep(new Date(start + 8 * DAY));
  t.same(second, { expired: [], purged: [leaving.id], rolledBack: [], failed: [] }, 'after eight days the deleted tenant is purged');
  const after = await inventory(engine);
  t.equal(after.tenants, before.tenants - 1);
  t.equal(after.databases.length, before.databases.length - 1, "and its database is gone");

  const third = await api.tenants.sweep(new Date(start + 31 * DAY));
  t.same(third, { expired: [long.id], purged: [], rolledBack: [], failed: [] }, 'a trial without end (trialDays 0) never expires');
  t.equal((await app.inject({ url: `/api/admin/tenants/${paid.id}`, headers: ADMIN })).json().status, 'trial');
  t.same(await api.tenants.sweep(new Date(start + 31 * DAY)), { expired: [], purged: [], rolledBack: [], failed: [] }, 'a second sweep finds nothing more');

  const reactivated = await app.inject({ method: 'POST', url: `/api/admin/tenants/${short.id}/activate`, headers: ADMIN });
  t.equal(reactivated.json().status, 'active', 'an expired tenant can be activated (a plan was chosen)');
  t.equal((await app.inject({ url: '/api/v1/short/notes', headers: bearer(shortKey) })).statusCode, 200);
});

void forEachEngine(t, 'one tenant failing in the sweep does not stop the others; the next sweep retries it', async (t, engine) => {
  const { kernel, api } = await startTenantKernel(t, engine, { env: { TENANT_DELETION_GRACE_DAYS: '0' } });
  const stuck = await createTenant(t, kernel, { name: 'Stuck', subdomain: 'stuck' });
  const gone = await createTenant(t, kernel, { name: 'Gone', subdomain: 'gone' });
  const ending = await createTenant(t, kernel, { name: 'Ending', subdomain: 'ending', trialDays: 1 });
  const staying = await createTenant(t, kernel, { name: 'Staying', subdomain: 'staying' });
  for (const tenant of [stuck, gone]) await kernel.app.inject({ method: 'DELETE', url: `/api/admin/tenants/${tenant.id}`, headers: ADMIN });

  // The database server refuses to drop one database (a lock, an outage).
  const realDrop = api.databases.dropDatabase.bind(api.databases);
  api.databases.dropDatabase = async (location) => {
    if (location.id === stuck.id) throw new Error('database is being accessed by other users');
    return realDrop(location);
  };
  const report = await api.tenants.sweep(new Date(Date.now() + 2 * DAY));
  t.same(report.expired, [ending.id], 'trials still expire');
  t.same(report.purged, [gone.id], 'the other deletion still happens');
  t.match(report.failed, [{ tenantId: stuck.id, action: 'purge', error: /being accessed/ }]);
  t.equal((await api.tenants.get(stuck.id)).status, 'pending_deletion', 'the failed one is still there, still restorable');

  api.databases.dropDatabase = realDrop;
  const retry = await api.tenants.sweep(new Date(Date.now() + 2 * DAY));
  t.same(retry, { expired: [], purged: [stuck.id], rolledBack: [], failed: [] });
  t.equal((await inventory(engine)).tenants, 2);
  t.equal((await kernel.app.inject({ url: '/api/v1/staying/notes', headers: ADMIN })).statusCode, 200);
  t.same((await kernel.app.inject({ url: '/api/v1/staying/notes', headers: ADMIN })).json(), { items: [] });
  t.equal((await api.tenants.get(staying.id)).status, 'trial', 'a tenant not due was left alone by both sweeps');
});
