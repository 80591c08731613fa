import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { tasksV1 } from '../marketplace/fixtures.js';
import { startMarketKernel } from '../marketplace/helpers.js';

/**
 * A module route's POST takes an Idempotency-Key, so a client whose write got no answer can retry it
 * without storing it twice. Keys are per tenant: another tenant's same key is another request.
 */

void forEachEngine(t, 'Idempotency-Key on module routes', async (t, engine) => {
  const { kernel, publish } = await startMarketKernel(t, {}, [], engine);
  const { app } = kernel;
  await publish(tasksV1.manifest, tasksV1.code);
  const a = await createTenantWithKey(app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenantWithKey(app, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  for (const who of [a, b]) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/${who.subdomain}/modules/acme.tasks/install`, headers: who.headers, payload: { version: '1.0.0', grants: ['store'] } });
    t.equal(res.statusCode, 201, res.body);
  }
  const post = (who: typeof a, key: string, title: string) =>
    app.inject({ method: 'POST', url: `/api/v1/${who.subdomain}/apps/acme.tasks/tasks`, headers: { ...who.headers, 'idempotency-key': key }, payload: { title } });
  const tasks = async (who: typeof a) => (await app.inject({ url: `/api/v1/${who.subdomain}/apps/acme.tasks/tasks`, headers: who.headers })).json().tasks as Array<{ id: string; title: string }>;

  const first = await post(a, 'order-1', 'alpha');
  t.equal(first.statusCode, 201);
  const again = await post(a, 'order-1', 'alpha');
  t.equal(again.statusCode, 201, 'the retry answers as the first did');
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.same(again.json(), first.json(), 'with the same body, the same id');
  t.equal((await tasks(a)).length, 1, 'stored once');

  const reused = await post(a, 'order-1', 'beta');
  t.equal(reused.statusCode, 422);
  t.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED');

  const bad = await post(a, 'x'.repeat(300), 'gamma');
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'IDEMPOTENCY_KEY_INVALID');

  const other = await post(b, 'order-1', 'alpha');
  t.equal(other.statusCode, 201, "another tenant's same key is its own request");
  t.not(other.headers['idempotent-replayed'], 'true');
  t.equal((await tasks(b)).length, 1);
  t.equal((await tasks(a)).length, 1, 'tenant A still has one task');
});
