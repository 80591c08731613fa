import { join } from 'node:path';
import { definePlugin, eventBusRef, type EventBus, type EventConsumer } from '@dogan/runtime';
import { eventOutboxRef, tenantsApiRef, type SqlSession, type TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import { DEFAULT_RETRY_DELAYS_MS, type DeliveryDeps } from './bus/consumer-delivery.js';
import { InProcessBus } from './bus/in-process-bus.js';
import { JetStreamBus } from './bus/jetstream-bus.js';
import { ProcessedLedger } from './bus/processed-ledger.js';
import { eventsConfigSchema, type EventsConfig } from './config.js';
import { DeadLetterStore } from './dead-letters/dead-letter-store.js';
import { replayDeadLetter } from './dead-letters/replay-dead-letter.js';
import { deadLetterRoutes } from './http/dead-letter-routes.js';
import { eventsControlPlaneMigrations, eventsTenantMigrations } from './migrations/index.js';
import { dropHint } from './outbox/outbox-hints.js';
import { TransactionalOutbox } from './outbox/transactional-outbox.js';
import { advisoryLockLease, fileLease, type ClusterLease } from './relay/cluster-lease.js';
import { CONTROL_PLANE, OutboxRelay } from './relay/outbox-relay.js';
import { RelayScheduler } from './relay/relay-scheduler.js';

export interface EventsPluginOptions {
  /** How often the relay sweeps the control plane's outbox and the hinted tenant databases; default 1 s. */
  relayIntervalMs?: number;
  /** Tenant databases a sweep relays at once; default 4. */
  sweepConcurrency?: number;
  /** Waits before the 2nd, 3rd... delivery of a failed event; default 1 s, 10 s, 1 min, 10 min, 1 h. */
  retryDelaysMs?: readonly number[];
  /** How often the in-process bus looks for deliveries due; default 1 s. */
  pollIntervalMs?: number;
  /** How long a JetStream delivery may run before it is delivered again; default 15 s. */
  ackWaitMs?: number;
  /** The lease the relay runs under; default a PostgreSQL advisory lock, or a lock file in the embedded default. */
  lease?: (deps: { controlPlane: SqlSession; config: EventsConfig }) => ClusterLease;
}

/** What the events plugin's init returns (its routes, hooks and tests use it). */
export interface EventsRuntime {
  readonly bus: EventBus & { consumer(name: string): EventConsumer | undefined; close(): Promise<void> };
  readonly outbox: TransactionalOutbox;
  readonly relay: OutboxRelay;
  readonly scheduler: RelayScheduler;
  readonly deadLetters: DeadLetterStore;
  readonly ledger: ProcessedLedger;
  readonly lease: ClusterLease;
}

function createBus(config: EventsConfig, delivery: DeliveryDeps & { controlPlane: SqlSession }, options: EventsPluginOptions, log: Logger) {
  if (config.NATS_URL) return new JetStreamBus({ ...delivery, url: config.NATS_URL, log, ackWaitMs: options.ackWaitMs });
  return new InProcessBus({ ...delivery, pollIntervalMs: options.pollIntervalMs ?? 1_000, log });
}

/** A tenant database by relay key; a tenant that is gone has nothing left to relay, and its hint goes. */
function sessionResolver(api: TenantsApi) {
  return async (key: string): Promise<SqlSession | null> => {
    if (key === CONTROL_PLANE) return api.data.controlPlane;
    const tenant = await api.tenants.find(key);
    if (!tenant || tenant.id !== key) {
      await dropHint(api.data.controlPlane, key);
      return null;
    }
    return api.data.of(tenant);
  };
}

/**
 * The events plugin: the transactional outbox (`eventOutboxRef`) and the event bus (`eventBusRef`),
 * in-process in the embedded default or NATS JetStream with `NATS_URL`; the relay between them, run
 * once per cluster per database; and the dead letters a tenant admin reads and replays.
 */
export function createEventsPlugin(options: EventsPluginOptions = {}) {
  return definePlugin({
    name: 'events',
    version: '0.1.0',
    kernel: '^0.1.0',
    description: 'Durable platform events: transactional outbox, in-process or NATS JetStream bus, dead letters',
    config: eventsConfigSchema,
    deps: { tenants: tenantsApiRef },
    provides: [eventBusRef, eventOutboxRef],
    controlPlaneMigrations: eventsControlPlaneMigrations,
    tenantMigrations: eventsTenantMigrations,

    async init(ctx): Promise<EventsRuntime> {
      const api = ctx.deps.tenants;
      const controlPlane = api.data.controlPlane;
      const ledger = new ProcessedLedger(controlPlane);
      const deadLetters = new DeadLetterStore(controlPlane);
      const delivery = { ledger, deadLetters, retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, log: ctx.log, controlPlane };
      const bus = createBus(ctx.config, delivery, options, ctx.log);
      await bus.start();
      const lease =
        options.lease?.({ controlPlane, config: ctx.config }) ??
        (controlPlane.dialect === 'postgresql' ? advisoryLockLease(controlPlane) : fileLease(join(ctx.config.DOGAN_DATA_DIR, 'events-relay.lock')));
      const relay = new OutboxRelay({ bus, lease, sessionOf: sessionResolver(api), log: ctx.log });
      const scheduler = new RelayScheduler({ relay, controlPlane, log: ctx.log, concurrency: options.sweepConcurrency ?? 4 });
      const outbox = new TransactionalOutbox({ controlPlane, nudge: (key, ids) => scheduler.nudge(key, ids) });
      ctx.provide(eventBusRef, bus);
      ctx.provide(eventOutboxRef, outbox);
      // NATS away is not "not ready": the node serves, and the events it records wait in the outbox.
      ctx.addReadinessCheck('event bus', async () => {
        const health = bus.health();
        return health.state === 'degraded' ? { degraded: health.detail ?? 'the event bus is degraded' } : undefined;
      });
      return { bus, outbox, relay, scheduler, deadLetters, ledger, lease };
    },

    async routes(app, _ctx, events) {
      await deadLetterRoutes(app, {
        list: (tenantId, page) => events.deadLetters.listForTenant(tenantId, page),
        replay: (tenantId, id) => replayDeadLetter({ store: events.deadLetters, ledger: events.ledger, consumerOf: (name) => events.bus.consumer(name) }, tenantId, id),
      });
    },

    onReady(_ctx, events) {
      // After every plugin's init, so consumers subscribed there see the first events relayed.
      events.scheduler.start(options.relayIntervalMs ?? 1_000);
    },

    async onClose(_ctx, events) {
      await events.scheduler.close();
      await events.relay.idle();
      await events.bus.close();
      await events.lease.close();
    },
  });
}
