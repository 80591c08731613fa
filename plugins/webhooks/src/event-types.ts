import { eventTypeMatches, isKnownEventPattern, PLATFORM_EVENT_TYPES } from '@dogan/runtime';

/** The events this plugin itself records (through the outbox): other webhooks of the tenant may hear of them. */
export const WEBHOOK_EVENT_TYPES: readonly string[] = ['webhook.disabled'];

/** Every platform event type a webhook may name: the kernel's catalog and this plugin's own. */
export const KNOWN_EVENT_TYPES: readonly string[] = [...Object.keys(PLATFORM_EVENT_TYPES), ...WEBHOOK_EVENT_TYPES];

/** The type of a test ping: sent only by `POST .../ping`, never matched by a subscription. */
export const PING_EVENT_TYPE = 'webhook.ping';

/** A module's own events: `<publisher>.<module>.<name>` or `<publisher>.<module>.*` (module ids are `publisher.module`). */
const MODULE_TYPE = /^([a-z][a-z0-9-]{0,49})\.[a-z][a-z0-9-]{0,49}\.([a-z][a-z0-9_]{0,63}|\*)$/;
const RESERVED_FAMILIES = new Set(KNOWN_EVENT_TYPES.map((t) => t.split('.')[0]!));

function known(pattern: string): boolean {
  if (isKnownEventPattern(pattern) || WEBHOOK_EVENT_TYPES.includes(pattern) || pattern === 'webhook.*') return true;
  // Module types are known to the modules' manifests, which this plugin does not read: any well-formed
  // one outside the platform's families is taken (a module that never emits it sends nothing).
  const m = MODULE_TYPE.exec(pattern);
  return m !== null && !RESERVED_FAMILIES.has(m[1]!);
}

/** The patterns of `patterns` that no event can ever match, in order. */
export function unknownEventTypes(patterns: readonly string[]): string[] {
  return patterns.filter((p) => !known(p));
}

/** Whether a webhook subscribed to `patterns` gets events of `type` (a ping is never subscribed to). */
export function subscribedTo(patterns: readonly string[], type: string): boolean {
  return type !== PING_EVENT_TYPE && eventTypeMatches(patterns, type);
}
