import t from 'tap';
import type { PluginDefinition } from '@dogan/runtime';
import { eventOutboxRef } from '@dogan/tenants';
import { createEventsPlugin } from '@dogan/plugin-events';
import { forEachEngine } from '../helpers/engines.js';
import { createTenant, createWebhook, FAST_ENV, startReceiver, startWebhooksKernel, waitFor } from './helpers.js';

/**
 * With the events plugin loaded: an event recorded in the outbox reaches the tenant's webhook through
 * the relay, the bus and the `webhooks` consumer; a webhook failing every attempt is disabled and its
 * `webhook.disabled` event travels the same way to the tenant's other webhook.
 */
forEachEngine(t, 'events reach webhooks through the outbox and the bus', async (t, engine) => {
  const events = createEventsPlugin({ relayIntervalMs: 50, pollIntervalMs: 50, retryDelaysMs: [50, 50, 50] }) as PluginDefinition;
  const env = { ...FAST_ENV, WEBHOOKS_RETRY_SCHEDULE: '50ms', WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES: '1' };
  const { kernel, app } = await startWebhooksKernel(t, engine, env, [events]);
  const outbox = kernel.host.service(eventOutboxRef);
  const acme = await createTenant(app, 'acme');
  const globex = await createTenant(app, 'globex');
  const broken = await startReceiver(t);
  broken.respond = () => ({ status: 500 });
  const watcher = await startReceiver(t);
  const bystander = await startReceiver(t);
  const failing = await createWebhook(app, acme, { url: broken.url, eventTypes: ['billing.payment_failed'] });
  await createWebhook(app, acme, { url: watcher.url, eventTypes: ['webhook.disabled', 'billing.*'] });
  await createWebhook(app, globex, { url: bystander.url, eventTypes: ['*'] });

  await outbox.emit([{ type: 'billing.payment_failed', tenantId: acme.id, payload: { invoiceId: 'inv-9' } }]);
  await waitFor('the event at the watcher', () => watcher.requests.some((r) => r.headers['x-dogan-event'] === 'billing.payment_failed'));
  await waitFor('two failed attempts at the broken receiver', () => broken.requests.length === 2);
  const disabled = await waitFor('the webhook.disabled event at the watcher', () => watcher.requests.find((r) => r.headers['x-dogan-event'] === 'webhook.disabled'));
  t.match(JSON.parse(disabled.rawBody), { type: 'webhook.disabled', tenantId: acme.id, data: { webhookId: failing.id, url: broken.url, reason: /1 deliveries in a row failed every attempt/ } });
  const hook = (await app.inject({ url: `/api/v1/acme/webhooks/${failing.id}`, headers: acme.headers })).json();
  t.match(hook, { enabled: false, disabledReason: /failed every attempt/, consecutiveFailedDeliveries: 1 });

  await outbox.emit([{ type: 'billing.payment_failed', tenantId: acme.id, payload: { invoiceId: 'inv-10' } }]);
  await waitFor('the second event at the watcher', () => watcher.requests.filter((r) => r.headers['x-dogan-event'] === 'billing.payment_failed').length === 2);
  await new Promise((r) => setTimeout(r, 200));
  t.equal(broken.requests.length, 2, 'a disabled webhook gets nothing more');
  // globex's own events (its API key, say) may reach it; nothing of acme's may.
  const bystanderSaw = bystander.requests.map((r) => JSON.parse(r.rawBody) as { tenantId: string; type: string });
  t.same(bystanderSaw.filter((e) => e.tenantId !== globex.id), [], "the other tenant's webhook got nothing of acme's events");

  const reenabled = await app.inject({ method: 'PUT', url: `/api/v1/acme/webhooks/${failing.id}`, headers: acme.headers, payload: { enabled: true } });
  t.match(reenabled.json(), { enabled: true, disabledReason: null, consecutiveFailedDeliveries: 0, failingSince: null }, 'enabling it again starts afresh');
});
