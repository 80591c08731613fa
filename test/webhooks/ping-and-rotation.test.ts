import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { createTenant, createWebhook, deliveries, startReceiver, startWebhooksKernel, type DeliveryView } from './helpers.js';
import { verifyDelivery } from './verify-signature.js';

forEachEngine(t, 'test pings and secret rotation', async (t, engine) => {
  const { app } = await startWebhooksKernel(t, engine);
  const acme = await createTenant(app, 'acme');
  const receiver = await startReceiver(t);
  const hook = await createWebhook(app, acme, { url: receiver.url, eventTypes: ['tenant.created'], enabled: false });
  const base = `/api/v1/acme/webhooks/${hook.id}`;
  // A second tenant with a webhook of its own: acme's pings and rotations never touch it.
  const globex = await createTenant(app, 'globex');
  const globexReceiver = await startReceiver(t);
  const globexHook = await createWebhook(app, globex, { url: globexReceiver.url, eventTypes: ['*'] });

  const ping = await app.inject({ method: 'POST', url: `${base}/ping`, headers: acme.headers });
  t.equal(ping.statusCode, 200);
  t.match(ping.json(), { eventType: 'webhook.ping', status: 'delivered', attempts: 1, responseStatus: 200, history: [{ attempt: 1, kind: 'ping', responseStatus: 200 }] }, 'a ping goes to a disabled webhook too, and answers how it went');
  t.equal(receiver.requests.length, 1);
  t.ok(verifyDelivery(hook.secret, receiver.requests[0]!.rawBody, receiver.requests[0]!.headers), 'signed like any delivery');

  receiver.respond = () => ({ status: 410 });
  const failed = (await app.inject({ method: 'POST', url: `${base}/ping`, headers: acme.headers })).json() as DeliveryView;
  t.match(failed, { status: 'failed', attempts: 1, responseStatus: 410, error: 'receiver answered 410', nextAttemptAt: null }, 'a failed ping is not retried');
  receiver.respond = () => ({ status: 204 });

  const rotated = await app.inject({ method: 'POST', url: `${base}/rotate-secret`, headers: acme.headers, payload: { previousSecretValidSeconds: 3600 } });
  t.equal(rotated.statusCode, 200);
  const { secret: next, previousSecretValidUntil } = rotated.json() as { secret: string; previousSecretValidUntil: string };
  t.match(next, /^whsec_/);
  t.not(next, hook.secret);
  t.ok(Date.parse(previousSecretValidUntil) > Date.now() + 3500_000, 'the old secret signs for an hour more');
  await app.inject({ method: 'POST', url: `${base}/ping`, headers: acme.headers });
  const during = receiver.requests.at(-1)!;
  t.equal(String(during.headers['x-dogan-signature']).split(',').length, 2, 'two signatures during the grace period');
  t.ok(verifyDelivery(next, during.rawBody, during.headers), 'the new secret verifies');
  t.ok(verifyDelivery(hook.secret, during.rawBody, during.headers), 'and so does the old one, meanwhile');

  const now = await app.inject({ method: 'POST', url: `${base}/rotate-secret`, headers: acme.headers });
  const latest = (now.json() as { secret: string }).secret;
  t.equal(now.json().previousSecretValidUntil, null);
  await app.inject({ method: 'POST', url: `${base}/ping`, headers: acme.headers });
  const after = receiver.requests.at(-1)!;
  t.ok(verifyDelivery(latest, after.rawBody, after.headers), 'the latest secret verifies');
  t.notOk(verifyDelivery(next, after.rawBody, after.headers), 'a secret rotated without grace no longer does');

  const log = await deliveries(app, acme, hook.id, '?status=delivered&perPage=2');
  t.equal(log.length, 2, 'the log pages and filters by status');
  t.ok(log.every((d) => d.status === 'delivered'));
  t.equal((await app.inject({ url: `${base}/deliveries?perPage=101`, headers: acme.headers })).json().code, 'VALIDATION_FAILED');
  t.equal((await app.inject({ url: `${base}/deliveries?status=lost`, headers: acme.headers })).json().code, 'VALIDATION_FAILED');

  const listed = await app.inject({ url: '/api/v1/acme/webhooks', headers: acme.headers });
  for (const secret of [hook.secret, next, latest]) t.notOk(listed.body.includes(secret), 'no secret is listed');

  t.equal(globexReceiver.requests.length, 0, "the second tenant's receiver got none of acme's pings");
  t.same(await deliveries(app, globex, globexHook.id), [], 'and its log is empty');
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/globex/webhooks/${hook.id}/ping`, headers: globex.headers })).statusCode, 404, "the second tenant cannot ping acme's webhook through its own path");
  const globexListed = await app.inject({ url: '/api/v1/globex/webhooks', headers: globex.headers });
  t.same((globexListed.json() as { items: Array<{ id: string }> }).items.map((w) => w.id), [globexHook.id], 'it lists only its own webhook');
  t.equal((await app.inject({ method: 'DELETE', url: base, headers: acme.headers })).statusCode, 204);
  t.equal((await app.inject({ url: `${base}/deliveries`, headers: acme.headers })).json().code, 'WEBHOOK_NOT_FOUND', 'its log went with it');
});
