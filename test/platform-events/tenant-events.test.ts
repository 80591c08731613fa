import t from 'tap';
import tenantsPlugin, { API_KEY_EVENT_TYPES, TENANT_EVENT_TYPES } from '@dogan/tenants';
import { PLATFORM_EVENT_TYPES } from '@dogan/runtime';
import { createEventsPlugin } from '../../plugins/events/src/index.js';
import { forEachEngine } from '../helpers/engines.js';
import { startTestKernel, TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { recordingOutbox } from './helpers/recording-outbox.js';

/**
 * The tenants plugin records `tenant.*` and `apikey.*` in the transaction of the change: each once,
 * with a payload naming the tenant (and never a key's secret or hash), and none when the change
 * rolls back. A second tenant appears in none of the first one's events.
 */

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

t.test('every type recorded here is in the kernel catalog of platform event types', async (t) => {
  for (const type of [...TENANT_EVENT_TYPES, ...API_KEY_EVENT_TYPES]) t.ok(type in PLATFORM_EVENT_TYPES, type);
});

void forEachEngine(t, 'tenant lifecycle and API keys are recorded once, with their change, and not when it rolls back', async (t, engine) => {
  const outbox = recordingOutbox();
  const kernel = await startTestKernel(t, { plugins: [tenantsPlugin, outbox.plugin], config: engine.config() });
  const call = (method: string, url: string, payload?: unknown) => kernel.app.inject({ method: method as 'GET', url, headers: ADMIN, ...(payload === undefined ? {} : { payload: payload as object }) });

  const created = await call('POST', '/api/admin/tenants', { name: 'Acme Events', subdomain: 'acme-events' });
  t.equal(created.statusCode, 201, created.body);
  const acme = created.json();
  const bystander = (await call('POST', '/api/admin/tenants', { name: 'Bystander', subdomain: 'bystander' })).json();

  const [createdEvent, ...more] = await outbox.recorded('tenant.created');
  t.equal(more.length, 1, 'one tenant.created per tenant');
  t.match(createdEvent, { type: 'tenant.created', version: 1, tenantId: acme.id, payload: { tenant: { id: acme.id, subdomain: 'acme-events', name: 'Acme Events', status: 'trial', plan: acme.plan }, previousStatus: null, actor: 'platform-admin' } });

  // Lifecycle: each action says what it did, from which status.
  const steps: Array<[string, string, string, string]> = [
    ['suspend', 'tenant.suspended', 'trial', 'suspended'],
    ['activate', 'tenant.activated', 'suspended', 'active'],
    ['cancel', 'tenant.cancelled', 'active', 'cancelled'],
    ['activate', 'tenant.activated', 'cancelled', 'active'],
  ];
  for (const [action, type, from, to] of steps) {
    const res = await call('POST', `/api/admin/tenants/${acme.id}/${action}`);
    t.equal(res.statusCode, 200, `${action}: ${res.body}`);
    const last = (await outbox.recorded()).at(-1)!;
    t.match(last, { type, tenantId: acme.id, payload: { tenant: { id: acme.id, status: to }, previousStatus: from } }, `${action} records ${type}`);
  }
  t.equal((await call('POST', `/api/admin/tenants/${acme.id}/restore`)).statusCode, 409, 'a refused transition...');
  t.equal((await outbox.recorded()).at(-1)!.type, 'tenant.activated', '...records nothing');

  const renamed = await call('PUT', `/api/admin/tenants/${acme.id}`, { name: 'Acme Renamed', locale: 'ar' });
  t.equal(renamed.statusCode, 200, renamed.body);
  t.match((await outbox.recorded('tenant.updated'))[0], { payload: { tenant: { name: 'Acme Renamed' }, changed: ['name'] } }, 'an update names the fields that changed (the locale did not)');

  // Rolled back: the status stays, and nothing is recorded.
  const before = (await outbox.recorded()).length;
  outbox.failNext('tenant.suspended');
  t.equal((await call('POST', `/api/admin/tenants/${acme.id}/suspend`)).statusCode, 500, 'a failure in the transaction fails the suspension');
  t.equal((await call('GET', `/api/admin/tenants/${acme.id}`)).json().status, 'active', 'the status rolled back with the event');
  t.equal((await outbox.recorded()).length, before, 'and no event was recorded');

  outbox.failNext('tenant.created');
  const failedCreate = await call('POST', '/api/admin/tenants', { name: 'Never', subdomain: 'never-made' });
  t.equal(failedCreate.statusCode, 500, failedCreate.body);
  t.equal((await call('GET', '/api/admin/tenants/never-made')).statusCode, 404, 'a provisioning whose last step failed is rolled back');
  t.equal((await outbox.recorded('tenant.created')).length, 2, 'and says nothing');

  // API keys: created and revoked once, never with the secret or its hash.
  const key = await call('POST', `/api/admin/tenants/${acme.id}/api-keys`, { name: 'ci', scopes: ['read'] });
  t.equal(key.statusCode, 201);
  const { key: secret, id: keyId, prefix } = key.json();
  const [keyCreated] = await outbox.recorded('apikey.created');
  t.match(keyCreated, { tenantId: acme.id, payload: { key: { id: keyId, name: 'ci', prefix, scopes: ['read'], expiresAt: null } } });
  t.notOk(JSON.stringify(keyCreated).includes(secret.slice(17)), 'the secret is not in the event');
  t.same(Object.keys(keyCreated!.payload.key).sort(), ['expiresAt', 'id', 'name', 'prefix', 'scopes'], 'nor its hash');

  outbox.failNext('apikey.revoked');
  t.equal((await call('DELETE', `/api/admin/tenants/${acme.id}/api-keys/${keyId}`)).statusCode, 500);
  const stillWorks = await kernel.app.inject({ url: '/api/v1/acme-events/info', headers: { authorization: `Bearer ${secret}` } });
  t.equal(stillWorks.statusCode, 200, 'a revocation that rolled back leaves the key working');
  t.equal((await outbox.recorded('apikey.revoked')).length, 0);

  t.equal((await call('DELETE', `/api/admin/tenants/${acme.id}/api-keys/${keyId}`)).statusCode, 200);
  t.equal((await call('DELETE', `/api/admin/tenants/${acme.id}/api-keys/${keyId}`)).statusCode, 200, 'revoking twice is fine...');
  const revoked = await outbox.recorded('apikey.revoked');
  t.equal(revoked.length, 1, '...and recorded once');
  t.match(revoked[0], { tenantId: acme.id, payload: { key: { id: keyId, prefix }, reason: 'revoked' } });
  const refused = await kernel.app.inject({ url: '/api/v1/acme-events/info', headers: { authorization: `Bearer ${secret}` } });
  t.equal(refused.statusCode, 401, 'the revoked key is refused at once on this node');

  const second = (await call('POST', `/api/admin/tenants/${acme.id}/api-keys`, { name: 'rotating', scopes: ['read'] })).json();
  const rotated = await call('POST', `/api/admin/tenants/${acme.id}/api-keys/${second.id}/rotate`);
  t.equal(rotated.statusCode, 201);
  t.match((await outbox.recorded('apikey.revoked')).at(-1), { payload: { key: { id: second.id }, reason: 'rotated' } }, 'a rotation revokes the old key, saying why');

  // Deletion: scheduled (restorable), restored, then purged.
  t.equal((await call('DELETE', `/api/admin/tenants/${acme.id}`)).statusCode, 200);
  t.match((await outbox.recorded('tenant.deleted'))[0], { payload: { tenant: { status: 'pending_deletion' }, previousStatus: 'active', purged: false } });
  t.equal((await call('POST', `/api/admin/tenants/${acme.id}/restore`)).statusCode, 200);
  t.match((await outbox.recorded('tenant.restored'))[0], { payload: { tenant: { status: 'active', deletionScheduledAt: null }, previousStatus: 'pending_deletion' } });
  t.equal((await call('DELETE', `/api/admin/tenants/${acme.id}?purge=true`)).statusCode, 204);
  const deleted = await outbox.recorded('tenant.deleted');
  t.equal(deleted.length, 2);
  t.match(deleted[1], { tenantId: acme.id, payload: { tenant: { id: acme.id }, purged: true } }, 'a purge is a tenant.deleted with purged: true');

  const all = await outbox.recorded();
  t.same(all.filter((e) => e.tenantId === bystander.id).map((e) => e.type), ['tenant.created'], 'the other tenant appears only in its own creation');
  t.notOk(all.some((e) => e.tenantId !== bystander.id && JSON.stringify(e.payload).includes(bystander.id)), "and in none of Acme's events");
  t.same(new Set(all.map((e) => e.id)).size, all.length, 'every event has its own id');
});

void forEachEngine(t, 'with the events plugin loaded, the same events land in its outbox, once each', async (t, engine) => {
  const kernel = await startTestKernel(t, { plugins: [tenantsPlugin, createEventsPlugin({ relayIntervalMs: 50 })], config: engine.config() });
  const call = (method: string, url: string, payload?: object) => kernel.app.inject({ method: method as 'GET', url, headers: ADMIN, ...(payload ? { payload } : {}) });
  const acme = (await call('POST', '/api/admin/tenants', { name: 'Acme Outbox', subdomain: 'acme-outbox' })).json();
  const key = (await call('POST', `/api/admin/tenants/${acme.id}/api-keys`, { name: 'ci', scopes: ['read'] })).json();
  t.equal((await call('POST', `/api/admin/tenants/${acme.id}/suspend`)).statusCode, 200);
  t.equal((await call('DELETE', `/api/admin/tenants/${acme.id}/api-keys/${key.id}`)).statusCode, 200);
  const rows = await engine.controlPlaneRows(`SELECT type, payload FROM event_outbox WHERE tenant_id = '${acme.id}' ORDER BY seq`);
  t.same(rows.map((r) => r.type), ['tenant.created', 'apikey.created', 'tenant.suspended', 'apikey.revoked']);
  const payload = (r: Record<string, unknown>) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload);
  t.match(payload(rows[2]!), { tenant: { id: acme.id, status: 'suspended' }, previousStatus: 'trial' });
});
