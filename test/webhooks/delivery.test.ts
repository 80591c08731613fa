import t from 'tap';
import { tenantsApiRef } from '@dogan/tenants';
import { forEachEngine } from '../helpers/engines.js';
import { freePort } from '../helpers/free-port.js';
import { createTenant, createWebhook, deliveries, FAST_ENV, platformEvent, publish, startReceiver, startWebhooksKernel, waitFor, type DeliveryView } from './helpers.js';
import { verifyDelivery } from './verify-signature.js';

// The third retry waits long enough for the test to bring the receiver up before the fourth attempt.
const env = { ...FAST_ENV, WEBHOOKS_RETRY_SCHEDULE: '100ms,100ms,3s,100ms,100ms' };

forEachEngine(t, 'deliveries to a local receiver', async (t, engine) => {
  const { kernel, app, webhooks } = await startWebhooksKernel(t, engine, env);
  const acme = await createTenant(app, 'acme');

  await t.test('a delivery is signed, and the README recipe verifies it', async (t) => {
    const receiver = await startReceiver(t);
    const hook = await createWebhook(app, acme, { url: receiver.url, eventTypes: ['billing.*'], description: 'books' });
    // A second tenant listening to everything: none of acme's events reach it.
    const globex = await createTenant(app, 'globex');
    const globexReceiver = await startReceiver(t);
    const globexHook = await createWebhook(app, globex, { url: globexReceiver.url, eventTypes: ['*'] });
    t.match(hook.secret, /^whsec_[A-Za-z0-9_-]{43}$/, 'the secret is shown once, at creation');
    const event = platformEvent(acme.id, 'billing.invoice_issued', { invoiceId: 'inv-1', total: 11500 });
    await publish(webhooks, event);
    await publish(webhooks, event); // the bus delivers at least once: a redelivered event is one delivery
    await publish(webhooks, platformEvent(acme.id, 'tenant.suspended')); // not subscribed to
    const [got] = await waitFor('the delivery', () => receiver.requests.length > 0 && receiver.requests);
    t.ok(verifyDelivery(hook.secret, got!.rawBody, got!.headers), 'the signature verifies with the documented recipe');
    t.notOk(verifyDelivery(hook.secret, got!.rawBody.replace('11500', '1'), got!.headers), 'a changed body does not');
    t.notOk(verifyDelivery('whsec_someone-else', got!.rawBody, got!.headers), 'another secret does not');
    t.notOk(verifyDelivery(hook.secret, got!.rawBody, got!.headers, 300, Date.now() / 1000 + 301), 'a replay after the tolerance window does not');
    t.same(JSON.parse(got!.rawBody), { id: event.id, type: 'billing.invoice_issued', version: 1, tenantId: acme.id, occurredAt: event.occurredAt, data: { invoiceId: 'inv-1', total: 11500 } });
    t.equal(got!.headers['x-dogan-event'], 'billing.invoice_issued');
    t.equal(got!.headers['content-type'], 'application/json');
    t.match(got!.headers['x-dogan-delivery'], /^[0-9a-f-]{36}$/);
    t.ok(Math.abs(Number(got!.headers['x-dogan-timestamp']) - Date.now() / 1000) < 10, 'X-Dogan-Timestamp is unix seconds');

    const log = await waitFor('the delivery logged as delivered', async () => {
      const items = await deliveries(app, acme, hook.id);
      return items[0]?.status === 'delivered' && items;
    });
    t.equal(log.length, 1, 'one delivery: the event twice is deduplicated, the unsubscribed type is not delivered');
    t.match(log[0], { id: got!.headers['x-dogan-delivery'], eventId: event.id, status: 'delivered', attempts: 1, responseStatus: 200, nextAttemptAt: null, error: null });
    t.type(log[0]!.responseTimeMs, 'number');
    await new Promise((r) => setTimeout(r, 200));
    t.equal(receiver.requests.length, 1, 'nothing is sent twice');
    t.equal(globexReceiver.requests.length, 0, "the second tenant's receiver got none of acme's events");
    t.same(await deliveries(app, globex, globexHook.id), [], "and its delivery log is empty");

    const tenant = await kernel.host.service(tenantsApiRef).tenants.get(acme.id);
    const rows = await engine.tenantRows(tenant.databaseName, 'SELECT secret FROM webhooks');
    t.ok(String(rows[0]?.secret).startsWith('dgnenc:v1:') && !String(rows[0]?.secret).includes(hook.secret.slice(6)), 'the secret is stored encrypted');
    const read = await app.inject({ url: `/api/v1/acme/webhooks/${hook.id}`, headers: acme.headers });
    t.notOk(read.body.includes(hook.secret) || 'secret' in read.json(), 'and never shown again');
  });

  await t.test('a receiver down for the first 3 attempts gets the event on the 4th', async (t) => {
    const port = await freePort();
    const hook = await createWebhook(app, acme, { url: `http://127.0.0.1:${port}/down`, eventTypes: ['tenant.*'] });
    await publish(webhooks, platformEvent(acme.id, 'tenant.activated'));
    const third = await waitFor('three failed attempts', async () => {
      const [d] = await deliveries(app, acme, hook.id);
      return d?.attempts === 3 && d.status === 'pending' && d;
    });
    t.match(third.error, /ECONNREFUSED/, 'the log says why it failed');
    t.ok(third.nextAttemptAt, 'and when the next attempt is');
    const receiver = await startReceiver(t, port);
    await waitFor('the fourth attempt', () => receiver.requests.length === 1);
    const detail = await waitFor('delivered', async () => {
      const res = await app.inject({ url: `/api/v1/acme/webhooks/${hook.id}/deliveries/${third.id}`, headers: acme.headers });
      const d = res.json() as DeliveryView;
      return d.status === 'delivered' && d;
    });
    t.equal(detail.attempts, 4);
    t.same(
      detail.history!.map((a) => [a.attempt, a.kind, a.responseStatus]),
      [
        [1, 'automatic', null],
        [2, 'automatic', null],
        [3, 'automatic', null],
        [4, 'automatic', 200],
      ],
    );
    t.equal(receiver.requests[0]!.headers['x-dogan-delivery'], third.id, 'the same delivery id at every attempt');
    t.equal(receiver.requests[0]!.headers['x-dogan-attempt'], '4');
  });
});
