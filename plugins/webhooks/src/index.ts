import { createSecretBox, createServiceRef, definePlugin, eventBusRef, type EventConsumer, type EventSubscription } from '@dogan/runtime';
import { eventOutboxRef, tenantsApiRef } from '@dogan/tenants';
import { parseRetrySchedule, webhooksConfigSchema } from './config.js';
import { DeliveryRunner } from './delivery/delivery-runner.js';
import { DeliveryWorker } from './delivery/delivery-worker.js';
import { UrlGuard } from './delivery/url-guard.js';
import { webhooksConsumer } from './event-consumer.js';
import { webhookRoutes } from './http/webhook-routes.js';
import { webhooksControlPlaneMigrations, webhooksTenantMigrations } from './store/migrations.js';
import { DueIndex } from './store/due-index.js';
import { WebhookService } from './webhook-service.js';

export { WebhookErrors } from './errors.js';
export { webhooksConfigSchema, parseRetrySchedule, DEFAULT_RETRY_SCHEDULE, type WebhooksConfig } from './config.js';
export { KNOWN_EVENT_TYPES, PING_EVENT_TYPE, unknownEventTypes } from './event-types.js';
export { WEBHOOKS_CONSUMER, deliveryBody } from './event-consumer.js';
export type { WebhookService, WebhookInput } from './webhook-service.js';
export type { DeliveryWorker } from './delivery/delivery-worker.js';

/** What the webhooks plugin offers: the tenant-facing service, its event consumer and its delivery worker. */
export interface WebhooksApi {
  readonly service: WebhookService;
  /** The shared durable consumer subscribed to the event bus (`webhooks`, every type). */
  readonly consumer: EventConsumer;
  readonly worker: DeliveryWorker;
}

export const webhooksApiRef = createServiceRef<WebhooksApi>({ id: 'webhooks.api' });

interface WebhooksPlugin {
  readonly api: WebhooksApi;
  subscription: EventSubscription | undefined;
}

export default definePlugin({
  name: 'webhooks',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Outgoing webhooks per tenant: signed deliveries of platform events, retries, a delivery log',
  config: webhooksConfigSchema,
  checkConfig(values, problems) {
    try {
      parseRetrySchedule(values.WEBHOOKS_RETRY_SCHEDULE);
    } catch (err) {
      problems.push(`WEBHOOKS_RETRY_SCHEDULE: ${(err as Error).message}`);
    }
  },
  deps: { tenants: tenantsApiRef },
  // Events reach webhooks through the bus, and `webhook.disabled` leaves through the outbox, when the events plugin is loaded.
  optionalDeps: { bus: eventBusRef, outbox: eventOutboxRef },
  provides: [webhooksApiRef],
  tenantMigrations: webhooksTenantMigrations,
  controlPlaneMigrations: webhooksControlPlaneMigrations,

  init(ctx): WebhooksPlugin {
    const { tenants } = ctx.deps;
    const config = ctx.config;
    const box = createSecretBox(config);
    const guard = new UrlGuard(config.WEBHOOKS_ALLOW_PRIVATE_NETWORKS);
    const due = new DueIndex(tenants.data.controlPlane);
    const runner = new DeliveryRunner({
      data: tenants.data,
      box,
      guard,
      due,
      schedule: parseRetrySchedule(config.WEBHOOKS_RETRY_SCHEDULE),
      timeoutMs: config.WEBHOOKS_TIMEOUT_MS,
      disableAfterDeliveries: config.WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES,
      disableAfterMs: config.WEBHOOKS_DISABLE_AFTER_FAILING_HOURS * 3_600_000,
      outbox: () => ctx.deps.outbox ?? ctx.services.getOptional(eventOutboxRef),
      log: ctx.log,
    });
    const worker = new DeliveryWorker({
      tenants: tenants.tenants,
      data: tenants.data,
      due,
      runner,
      pollIntervalMs: config.WEBHOOKS_POLL_INTERVAL_MS,
      concurrency: config.WEBHOOKS_CONCURRENCY,
      timeoutMs: config.WEBHOOKS_TIMEOUT_MS,
      log: ctx.log,
    });
    const service = new WebhookService({ data: tenants.data, box, guard, runner, timeoutMs: config.WEBHOOKS_TIMEOUT_MS });
    const consumer = webhooksConsumer({ tenants: tenants.tenants, data: tenants.data, due, recorded: () => worker.kick() });
    const api: WebhooksApi = { service, consumer, worker };
    ctx.provide(webhooksApiRef, api);
    if (config.WEBHOOKS_ALLOW_PRIVATE_NETWORKS) ctx.log.warn('WEBHOOKS_ALLOW_PRIVATE_NETWORKS is on: webhooks may reach private and loopback addresses');
    return { api, subscription: undefined };
  },

  async routes(app, _ctx, { api }) {
    await webhookRoutes(app, api.service);
  },

  async onReady(ctx, plugin) {
    const bus = ctx.deps.bus ?? ctx.services.getOptional(eventBusRef);
    if (bus) plugin.subscription = await bus.subscribe(plugin.api.consumer);
    else ctx.log.info('no event bus loaded: webhooks send test pings and redeliveries, and no platform events');
    plugin.api.worker.start();
  },

  async onClose(_ctx, plugin) {
    await plugin.subscription?.close();
    await plugin.api.worker.close();
  },
});
