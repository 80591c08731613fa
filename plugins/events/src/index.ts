/**
 * @dogan/plugin-events: durable platform events. Plugins record events with `eventOutboxRef`
 * (@dogan/tenants) in the transaction of their state change and subscribe with `eventBusRef`
 * (@dogan/runtime); the known event types are `PLATFORM_EVENT_TYPES` (@dogan/runtime).
 */
import { createEventsPlugin } from './plugin.js';

export { createEventsPlugin, type EventsPluginOptions, type EventsRuntime } from './plugin.js';
export { eventsConfigSchema, type EventsConfig } from './config.js';
export { EventErrors, type EventErrorCode } from './errors.js';
export type { ClusterLease } from './relay/cluster-lease.js';
export { advisoryLockLease, fileLease } from './relay/cluster-lease.js';
export { DEFAULT_MAX_DELIVER, DEFAULT_RETRY_DELAYS_MS } from './bus/consumer-delivery.js';
export { STREAMS, subjectOf } from './bus/streams.js';
export type { DeadLetter } from './dead-letters/dead-letter-store.js';

export default createEventsPlugin();
