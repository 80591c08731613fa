/**
 * Who may publish an event type. A module publishes only under its own id (`acme.tasks` emits
 * `acme.tasks.done`), so no module can speak for another; every other type (`tenant.deleted`,
 * `billing.invoice_paid`) is the platform's, published by the kernel and never through a module's
 * `events.emit`. Subscribing is not limited: a module may listen to any type its manifest declares.
 */

/**
 * First segments of the platform's own event types. A publisher may not take one as its name, or
 * its modules' namespaces (`tenant.x.*`) would read as platform events.
 */
export const PLATFORM_EVENT_NAMESPACES: readonly string[] = ['platform', 'tenant', 'tenants', 'billing', 'marketplace', 'modules', 'module', 'apikey', 'erpnext', 'webhook', 'webhooks', 'agents', 'workflows', 'email'];

/** The prefix of every event type module `moduleId` may emit: its id and a dot. */
export function moduleEventPrefix(moduleId: string): string {
  return `${moduleId}.`;
}

/** True when an event type or an emit pattern (`acme.tasks.done`, `acme.tasks.*`) lies in the module's own namespace. */
export function inModuleNamespace(moduleId: string, typeOrPattern: string): boolean {
  const prefix = moduleEventPrefix(moduleId);
  return typeOrPattern.length > prefix.length && typeOrPattern.startsWith(prefix);
}
