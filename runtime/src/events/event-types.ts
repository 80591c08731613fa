/**
 * The platform's known event types and their current payload versions. Publishers record these names;
 * subscribers (outgoing webhooks, module subscriptions) refuse a type that is neither here nor a
 * module's own (`<moduleId>.<name>`). A payload change that breaks readers is a new version here.
 */

export const PLATFORM_EVENT_TYPES = {
  'tenant.created': { version: 1, summary: 'A tenant was provisioned and opened for business' },
  'tenant.suspended': { version: 1, summary: 'A tenant was suspended (by an admin or for non-payment)' },
  'tenant.activated': { version: 1, summary: 'A suspended or trial tenant became active' },
  'tenant.deleted': { version: 1, summary: 'A tenant was scheduled for deletion or purged' },
  'tenant.updated': { version: 1, summary: "A tenant's name, plan, locale or time zone changed" },
  'tenant.cancelled': { version: 1, summary: 'A tenant was cancelled' },
  'tenant.expired': { version: 1, summary: "A tenant's trial ended without a plan" },
  'tenant.restored': { version: 1, summary: 'A tenant scheduled for deletion was restored' },
  'module.installed': { version: 1, summary: 'A module was installed for a tenant' },
  'module.upgraded': { version: 1, summary: "A tenant's module moved to another version" },
  'module.uninstalled': { version: 1, summary: 'A module was removed from a tenant' },
  'module.rolled_back': { version: 1, summary: "A tenant's module went back to the version before its last upgrade" },
  'module.enabled': { version: 1, summary: "A tenant's disabled module was enabled again" },
  'module.disabled': { version: 1, summary: "A tenant's module was disabled (kept installed, not answering)" },
  'module.settings_changed': { version: 1, summary: "A tenant's settings of a module changed" },
  'billing.invoice_issued': { version: 1, summary: 'An invoice was issued' },
  'billing.payment_succeeded': { version: 1, summary: 'A payment of an invoice succeeded' },
  'billing.payment_failed': { version: 1, summary: 'A payment of an invoice failed' },
  'billing.trial_ending': { version: 1, summary: "A tenant's trial ends soon" },
  'billing.subscription_changed': { version: 1, summary: "A tenant's plan, billing interval or subscription status changed" },
  'apikey.created': { version: 1, summary: 'An API key was created' },
  'apikey.revoked': { version: 1, summary: 'An API key was revoked' },
  'agent.created': { version: 1, summary: 'An employee agent was created (by a person or as a default at provisioning)' },
  'agent.updated': { version: 1, summary: "An agent's profile, status, manager or team changed" },
  'agent.deleted': { version: 1, summary: 'An agent was deleted (its reports and teams moved to another agent, when asked)' },
  'workflow.run_completed': { version: 1, summary: 'A workflow run finished every step' },
  'workflow.run_failed': { version: 1, summary: 'A workflow run failed for good (after its retries and compensation)' },
  'email.received': { version: 1, summary: 'An email reached the tenant (inbound route or IMAP), with sender, subject, text and attachments' },
} as const satisfies Record<string, { version: number; summary: string }>;

export type PlatformEventType = keyof typeof PLATFORM_EVENT_TYPES;

/**
 * Families whose types are named by outside data rather than listed here: `erpnext.<doctype>.<event>`
 * (`erpnext.sales_order.on_submit`), one per ERPNext doctype and Frappe document event. Their
 * payload is version 1 of the ERPNext plugin's change payload.
 */
export const OPEN_FAMILIES: readonly string[] = ['erpnext'];
const OPEN_FAMILY_TYPE = /^erpnext\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
const OPEN_FAMILY_PREFIX = /^erpnext\.[a-z][a-z0-9_]*$/;

/** The families of platform events (`tenant`, `module`, `billing`, `apikey`, `agent`): the part before the dot. */
export const PLATFORM_EVENT_FAMILIES: readonly string[] = [...new Set(Object.keys(PLATFORM_EVENT_TYPES).map((t) => t.slice(0, t.indexOf('.'))))];

/**
 * Lower-case dotted words: a family and a name (`tenant.created`), or a module id and a name
 * (`dogan.notes.note_created`). The words become NATS subject tokens, so no `*`, `>` or spaces.
 */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;

export function isPlatformEventType(type: string): type is PlatformEventType {
  return Object.hasOwn(PLATFORM_EVENT_TYPES, type);
}

/**
 * Whether a publisher or subscriber may name this type: a known platform type, or a module's own
 * (`<moduleId>.<name>`, given the module ids that exist). Platform families are reserved: an unknown
 * `tenant.*` type is refused, not taken for a module's.
 */
export function isKnownEventType(type: string, moduleIds: Iterable<string> = []): boolean {
  if (isPlatformEventType(type) || OPEN_FAMILY_TYPE.test(type)) return true;
  if (!EVENT_TYPE_PATTERN.test(type) || PLATFORM_EVENT_FAMILIES.includes(type.slice(0, type.indexOf('.')))) return false;
  for (const id of moduleIds) if (type.startsWith(`${id}.`) && type.length > id.length + 1) return true;
  return false;
}

/**
 * Whether a subscription pattern (`*`, `family.*`, an exact type) names known types: `*`, a platform
 * family, a known platform type, or a module's types (`<moduleId>.*` / `<moduleId>.<name>`).
 */
export function isKnownEventPattern(pattern: string, moduleIds: Iterable<string> = []): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -2);
    if (PLATFORM_EVENT_FAMILIES.includes(prefix) || OPEN_FAMILIES.includes(prefix) || OPEN_FAMILY_PREFIX.test(prefix)) return true;
    for (const id of moduleIds) if (prefix === id) return true;
    return false;
  }
  return isKnownEventType(pattern, moduleIds);
}
