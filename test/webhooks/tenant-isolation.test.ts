import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { createTenant, createWebhook, deliveries, platformEvent, publish, startReceiver, startWebhooksKernel, waitFor } from './helpers.js';

forEachEngine(t, "a second tenant's webhooks receive nothing of the first's events", async (t, engine) => {
  const { app, webhooks } = await startWebhooksKernel(t, engine);
  const acme = await createTenant(app, 'acme');
  const globex = await createTenant(app, 'globex');
  const acmeReceiver = await startReceiver(t);
  const globexReceiver = await startReceiver(t);
  const acmeHook = await createWebhook(app, acme, { url: acmeReceiver.url, eventTypes: ['*'] });
  const globexHook = await createWebhook(app, globex, { url: globexReceiver.url, eventTypes: ['*'] });

  for (const type of ['tenant.suspended', 'billing.payment_failed', 'module.installed']) await publish(webhooks, platformEvent(acme.id, type));
  await waitFor("acme's three deliveries", () => acmeReceiver.requests.length === 3);
  t.same(new Set(acmeReceiver.requests.map((r) => JSON.parse(r.rawBody).tenantId)), new Set([acme.id]));
  // Poll cycles go by (20 ms each): nothing of acme's may reach globex meanwhile.
  await new Promise((r) => setTimeout(r, 300));
  t.equal(globexReceiver.requests.length, 0, "globex's receiver got nothing");
  t.same(await deliveries(app, globex, globexHook.id), [], "globex's delivery log is empty");

  const [acmeDelivery] = await deliveries(app, acme, acmeHook.id);
  const asGlobex = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => app.inject({ method, url, headers: globex.headers, payload });
  t.equal((await asGlobex('GET', `/api/v1/globex/webhooks/${acmeHook.id}`)).json().code, 'WEBHOOK_NOT_FOUND', "acme's webhook is not found through globex");
  t.equal((await asGlobex('GET', `/api/v1/globex/webhooks/${acmeHook.id}/deliveries`)).json().code, 'WEBHOOK_NOT_FOUND');
  t.equal((await asGlobex('POST', `/api/v1/globex/webhooks/${globexHook.id}/deliveries/${acmeDelivery!.id}/redeliver`)).json().code, 'WEBHOOK_DELIVERY_NOT_FOUND', "acme's delivery cannot be replayed through globex's webhook");
  t.equal((await asGlobex('DELETE', `/api/v1/globex/webhooks/${acmeHook.id}`)).json().code, 'WEBHOOK_NOT_FOUND');
  t.equal((await asGlobex('PUT', `/api/v1/globex/webhooks/${acmeHook.id}`, { enabled: false })).json().code, 'WEBHOOK_NOT_FOUND');
  t.ok([401, 403, 404].includes((await asGlobex('GET', `/api/v1/acme/webhooks`)).statusCode), "globex's key does not open acme's webhooks");
  t.equal((await asGlobex('GET', '/api/v1/globex/webhooks')).json().items.length, 1, 'globex sees its own webhook only');

  // And the other way round: globex's event reaches globex only.
  await publish(webhooks, platformEvent(globex.id, 'apikey.revoked'));
  await waitFor("globex's delivery", () => globexReceiver.requests.length === 1);
  await new Promise((r) => setTimeout(r, 200));
  t.equal(acmeReceiver.requests.length, 3, 'acme got nothing of globex');
  t.equal(globexReceiver.requests[0]!.headers['x-dogan-event'], 'apikey.revoked');
});
