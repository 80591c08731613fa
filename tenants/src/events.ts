/**
 * The platform events the tenants plugin records, version 1 of each: a tenant's lifecycle and its API
 * keys. Each is recorded in the transaction of the change it reports (see event-recorder.ts), so it
 * reaches the bus exactly when the change committed. Payloads carry ids and what a webhook consumer
 * needs to act; never a key's secret or hash.
 */
import type { NewPlatformEvent } from './event-outbox.js';
import type { ApiKey } from './entities/api-key.js';
import type { Tenant, TenantStatus } from './entities/tenant.js';
import type { LifecycleAction } from './lifecycle.js';

export const TENANT_EVENT_TYPES = [
  'tenant.created',
  'tenant.updated',
  'tenant.activated',
  'tenant.suspended',
  'tenant.cancelled',
  'tenant.expired',
  'tenant.deleted',
  'tenant.restored',
] as const;
export const API_KEY_EVENT_TYPES = ['apikey.created', 'apikey.revoked'] as const;

export type TenantEventType = (typeof TENANT_EVENT_TYPES)[number];
export type ApiKeyEventType = (typeof API_KEY_EVENT_TYPES)[number];

/** The tenant as events show it: what a consumer routes and displays by. */
export interface TenantEventView {
  id: string;
  subdomain: string;
  name: string;
  plan: string;
  status: TenantStatus;
  locale: string;
  timezone: string;
  country: string;
  trialEndsAt: string | null;
  /** Set while the tenant is pending deletion: when it is purged. */
  deletionScheduledAt: string | null;
}

/** Payload of every `tenant.*` event. */
export interface TenantEventPayload {
  tenant: TenantEventView;
  /** The status before the change; null for `tenant.created`. */
  previousStatus: TenantStatus | null;
  /** Who made the change: `platform-admin`, `api-key:dgn_…`, `system:sweep`, `billing:dunning`... */
  actor: string;
  /** `tenant.updated`: the fields that changed. */
  changed?: string[];
  /**
   * `tenant.deleted`: false when the deletion is scheduled (restorable until `deletionScheduledAt`),
   * true when the tenant and its database are gone.
   */
  purged?: boolean;
}

/** The key as events show it: its id and public prefix, never the secret or its hash. */
export interface ApiKeyEventView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: string | null;
}

/** Payload of `apikey.created` and `apikey.revoked`. */
export interface ApiKeyEventPayload {
  key: ApiKeyEventView;
  /** `apikey.revoked`: why (`revoked`, or `rotated` when a new key replaced it). */
  reason?: 'revoked' | 'rotated';
}

/** The event each lifecycle action records. */
export const LIFECYCLE_EVENT: Readonly<Record<LifecycleAction, TenantEventType>> = {
  activate: 'tenant.activated',
  suspend: 'tenant.suspended',
  cancel: 'tenant.cancelled',
  expire: 'tenant.expired',
  delete: 'tenant.deleted',
  restore: 'tenant.restored',
};

const isoOrNull = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

function tenantView(t: Tenant): TenantEventView {
  return {
    id: t.id,
    subdomain: t.subdomain,
    name: t.name,
    plan: t.plan,
    status: t.status,
    locale: t.locale,
    timezone: t.timezone,
    country: t.country,
    trialEndsAt: isoOrNull(t.trialEndsAt),
    deletionScheduledAt: isoOrNull(t.deletionScheduledAt),
  };
}

export function tenantEvent(
  type: TenantEventType,
  tenant: Tenant,
  previousStatus: TenantStatus | null,
  actor: string,
  extra: Pick<TenantEventPayload, 'changed' | 'purged'> = type === 'tenant.deleted' ? { purged: false } : {},
): NewPlatformEvent<TenantEventPayload> {
  return { type, version: 1, tenantId: tenant.id, payload: { tenant: tenantView(tenant), previousStatus, actor, ...extra } };
}

export function apiKeyEvent(type: ApiKeyEventType, key: ApiKey, reason?: ApiKeyEventPayload['reason']): NewPlatformEvent<ApiKeyEventPayload> {
  const view: ApiKeyEventView = { id: key.id, name: key.name, prefix: key.prefix, scopes: [...key.scopes], expiresAt: isoOrNull(key.expiresAt) };
  return { type, version: 1, tenantId: key.tenantId, payload: { key: view, ...(reason ? { reason } : {}) } };
}
