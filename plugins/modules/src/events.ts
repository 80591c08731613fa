/**
 * Events on the bus that modules take part in. A module emits under its own id (`acme.tasks.done`,
 * version 1); on the bus its payload travels inside an envelope naming the module and how deep in a
 * chain of events it was emitted, so the depth limit holds across nodes. Modules subscribe to those
 * and to platform events (`tenant.*`, `module.*`, `billing.*`...) through one shared consumer.
 */
import { inModuleNamespace } from '@dogan/module-manifest';
import type { EventConsumer, PlatformEvent } from '@dogan/runtime';
import type { NewPlatformEvent } from '@dogan/tenants';

/** The shared consumer that hands events to the subscribing modules of their tenant. */
export const MODULE_SUBSCRIPTIONS_CONSUMER = 'modules.subscriptions';

/** Payload of an event a module emitted, as the bus (and a webhook) carries it. */
export interface ModuleEmittedPayload {
  /** The emitting module's id: the event's type lies in its namespace. */
  module: string;
  /** 1 for an event emitted by a route, job or hook; one more for each event handler in the chain. */
  depth: number;
  /** What the module passed to `events.emit`. */
  data: unknown;
}

export function moduleEmittedEvent(tenantId: string, moduleId: string, type: string, data: unknown, depth: number): NewPlatformEvent<ModuleEmittedPayload> {
  return { type, version: 1, tenantId, payload: { module: moduleId, depth, data } };
}

/**
 * What subscribers receive of an event: a module's event unwrapped with its depth, anything else (the
 * platform's) as it is, at depth 0. Only an envelope naming a module whose namespace holds the type
 * counts as a module's: nothing else can pass for one, or give a platform event a depth.
 */
export function unwrapEvent(event: PlatformEvent): { payload: unknown; depth: number } {
  const p = event.payload as Partial<ModuleEmittedPayload> | null;
  const wrapped = p !== null && typeof p === 'object' && typeof p.module === 'string' && Number.isInteger(p.depth) && 'data' in p;
  if (wrapped && inModuleNamespace(p.module!, event.type)) return { payload: p.data ?? null, depth: p.depth! };
  return { payload: event.payload, depth: 0 };
}

/** One shared consumer for the cluster: each event is handed to the subscribing modules once, on one node. */
export function moduleSubscriptionsConsumer(deliver: (event: PlatformEvent) => Promise<void>): EventConsumer {
  return {
    name: MODULE_SUBSCRIPTIONS_CONSUMER,
    delivery: 'shared',
    types: ['*'],
    handle: (event) => deliver(event),
  };
}
