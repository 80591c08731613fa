import t from 'tap';
import { UrlGuard } from '../../plugins/webhooks/src/delivery/url-guard.js';
import { sendWebhook } from '../../plugins/webhooks/src/delivery/send-webhook.js';
import { forEachEngine } from '../helpers/engines.js';
import { createTenant, createWebhook, deliveries, FAST_ENV, platformEvent, publish, startReceiver, startWebhooksKernel, waitFor, type DeliveryView } from './helpers.js';

const PROBLEM = /^application\/problem\+json/;

forEachEngine(t, 'bad webhook input is refused with a code, and nothing is created', async (t, engine) => {
  // Loopback not opted in: the platform's default.
  const { app } = await startWebhooksKernel(t, engine, { WEBHOOKS_POLL_INTERVAL_MS: '20' });
  const acme = await createTenant(app, 'acme');
  const post = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/v1/acme/webhooks', headers: acme.headers, payload });
  const cases: Array<[string, Record<string, unknown>, number, string]> = [
    ['loopback address', { url: 'http://127.0.0.1:8080/hook', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_FORBIDDEN'],
    ['a name resolving to loopback', { url: 'http://localhost/hook', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_FORBIDDEN'],
    ['cloud metadata', { url: 'http://169.254.169.254/latest/meta-data', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_FORBIDDEN'],
    ['private network', { url: 'https://10.1.2.3/hook', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_FORBIDDEN'],
    ['IPv6 loopback', { url: 'http://[::1]:3000/', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_FORBIDDEN'],
    ['IPv4-mapped IPv6 loopback', { url: 'http://[::ffff:127.0.0.1]/', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_FORBIDDEN'],
    ['not http(s)', { url: 'ftp://example.com/hook', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_INVALID'],
    ['file URL', { url: 'file:///etc/passwd', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_INVALID'],
    ['not a URL', { url: 'example.com/hook', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_INVALID'],
    ['credentials in the URL', { url: 'https://user:pw@example.com/hook', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_INVALID'],
    ['a host that does not resolve', { url: 'https://no-such-host.invalid/hook', eventTypes: ['*'] }, 400, 'WEBHOOK_URL_UNREACHABLE'],
    ['an unknown type of a known family', { url: 'https://example.com/hook', eventTypes: ['billing.invoice_issued', 'billing.nope'] }, 400, 'WEBHOOK_EVENT_TYPE_UNKNOWN'],
    ['an unknown family', { url: 'https://example.com/hook', eventTypes: ['nope.*'] }, 400, 'WEBHOOK_EVENT_TYPE_UNKNOWN'],
    ['a malformed pattern', { url: 'https://example.com/hook', eventTypes: ['billing.**'] }, 400, 'VALIDATION_FAILED'],
    ['no event types', { url: 'https://example.com/hook', eventTypes: [] }, 400, 'VALIDATION_FAILED'],
    ['an unknown field', { url: 'https://example.com/hook', eventTypes: ['*'], secret: 'mine' }, 400, 'VALIDATION_FAILED'],
  ];
  for (const [name, payload, status, code] of cases) {
    const res = await post(payload);
    t.equal(res.statusCode, status, `${name}: ${status}`);
    t.match(res.headers['content-type'], PROBLEM);
    t.equal(res.json().code, code, `${name}: ${code} (${res.json().detail})`);
  }
  t.match((await post({ url: 'https://example.com/hook', eventTypes: ['billing.nope', 'nope.*'] })).json(), { eventTypes: ['billing.nope', 'nope.*'] }, 'the unknown types are named');
  t.same((await app.inject({ url: '/api/v1/acme/webhooks', headers: acme.headers })).json(), { items: [] }, 'nothing was created');
  const globex = await createTenant(app, 'globex');
  t.same((await app.inject({ url: '/api/v1/globex/webhooks', headers: globex.headers })).json(), { items: [] }, 'nor for a second tenant');

  const missing = '00000000-0000-4000-8000-000000000000';
  t.equal((await app.inject({ url: `/api/v1/acme/webhooks/${missing}`, headers: acme.headers })).json().code, 'WEBHOOK_NOT_FOUND');
  t.equal((await app.inject({ url: '/api/v1/acme/webhooks/not-an-id', headers: acme.headers })).json().code, 'VALIDATION_FAILED');
  const reader = await app.inject({ method: 'POST', url: `/api/admin/tenants/${acme.id}/api-keys`, headers: { authorization: 'Bearer test-admin-token-0123456789abcdef' }, payload: { name: 'r', scopes: ['read'] } });
  const readOnly = { authorization: `Bearer ${(reader.json() as { key: string }).key}` };
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/acme/webhooks', headers: readOnly, payload: { url: 'https://example.com/', eventTypes: ['*'] } })).statusCode, 403, 'a read-only key cannot create webhooks');
});

t.test('a delivery to a private address is refused at send time too, without a connection', async (t) => {
  const receiver = await startReceiver(t);
  const outcome = await sendWebhook(new UrlGuard(false), { url: receiver.url, headers: {}, body: '{}' }, 1000);
  t.match(outcome, { delivered: false, status: null, error: /WEBHOOK_URL_FORBIDDEN/ });
  t.equal(receiver.requests.length, 0, 'the receiver saw nothing');
});

forEachEngine(t, 'redirects and replays', async (t, engine) => {
  const { app, webhooks } = await startWebhooksKernel(t, engine, FAST_ENV);
  const acme = await createTenant(app, 'acme');

  await t.test('a URL redirecting to a private address is not followed', async (t) => {
    const inside = await startReceiver(t);
    const bouncer = await startReceiver(t);
    bouncer.respond = () => ({ status: 307, headers: { location: `${inside.url}/admin` } });
    const hook = await createWebhook(app, acme, { url: bouncer.url, eventTypes: ['apikey.created'] });
    await publish(webhooks, platformEvent(acme.id, 'apikey.created'));
    const [first] = await waitFor('the first attempt', async () => {
      const items = await deliveries(app, acme, hook.id);
      return items[0] && items[0].attempts >= 1 && items[0].status !== 'sending' && items;
    });
    t.match(first, { responseStatus: 307, error: /redirect to http:\/\/127\.0\.0\.1:\d+\/hooks\/admin not followed/ });
    t.equal(inside.requests.length, 0, 'the redirect target got nothing');
  });

  await t.test('a delivery id is never sent twice at once; a replay is a new attempt of the same delivery', async (t) => {
    const receiver = await startReceiver(t);
    const hook = await createWebhook(app, acme, { url: receiver.url, eventTypes: ['module.*'] });
    await publish(webhooks, platformEvent(acme.id, 'module.installed'));
    const [delivered] = await waitFor('delivered', async () => {
      const items = await deliveries(app, acme, hook.id);
      return items[0]?.status === 'delivered' && items;
    });
    receiver.respond = () => ({ status: 200, delayMs: 300 });
    const url = `/api/v1/acme/webhooks/${hook.id}/deliveries/${delivered!.id}/redeliver`;
    const [a, b] = await Promise.all([app.inject({ method: 'POST', url, headers: acme.headers }), app.inject({ method: 'POST', url, headers: acme.headers })]);
    t.same([a.statusCode, b.statusCode].sort(), [200, 409], 'one replay runs, the other is refused');
    const refused = a.statusCode === 409 ? a : b;
    t.match(refused.headers['content-type'], PROBLEM);
    t.equal(refused.json().code, 'WEBHOOK_DELIVERY_IN_PROGRESS');
    const done = (a.statusCode === 200 ? a : b).json() as DeliveryView;
    t.match(done, { id: delivered!.id, status: 'delivered', attempts: 2 });
    t.same(done.history!.map((h) => [h.attempt, h.kind, h.responseStatus]), [
      [1, 'automatic', 200],
      [2, 'manual', 200],
    ]);
    await new Promise((r) => setTimeout(r, 200));
    t.equal(receiver.requests.length, 2, 'the receiver got the delivery and one replay, nothing more');
    t.same(receiver.requests.map((r) => r.headers['x-dogan-delivery']), [delivered!.id, delivered!.id], 'under the same delivery id');
    t.equal(receiver.requests[0]!.rawBody, receiver.requests[1]!.rawBody, 'with the same body');

    const other = '00000000-0000-4000-8000-000000000000';
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/acme/webhooks/${hook.id}/deliveries/${other}/redeliver`, headers: acme.headers })).json().code, 'WEBHOOK_DELIVERY_NOT_FOUND');
    await app.inject({ method: 'PUT', url: `/api/v1/acme/webhooks/${hook.id}`, headers: acme.headers, payload: { enabled: false } });
    const disabled = await app.inject({ method: 'POST', url, headers: acme.headers });
    t.equal(disabled.statusCode, 409);
    t.equal(disabled.json().code, 'WEBHOOK_DISABLED');
    t.equal(receiver.requests.length, 2, 'nothing sent to a disabled webhook');
  });
});
