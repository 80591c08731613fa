import type { TenantStatus } from './entities/tenant.js';
import { TenantErrors } from './errors.js';

export type LifecycleAction = 'activate' | 'suspend' | 'cancel' | 'expire' | 'delete' | 'restore';

/**
 * Which statuses each action may start from, and where it leads. Anything else is refused with
 * TENANT_TRANSITION_INVALID: suspending a cancelled tenant, restoring one that is not being deleted...
 * `restore` returns to the status the tenant had before deletion.
 */
const TRANSITIONS: Readonly<Record<LifecycleAction, { from: readonly TenantStatus[]; to: TenantStatus | 'previous' }>> = {
  activate: { from: ['trial', 'suspended', 'expired', 'cancelled'], to: 'active' },
  suspend: { from: ['trial', 'active', 'expired'], to: 'suspended' },
  cancel: { from: ['trial', 'active', 'suspended', 'expired'], to: 'cancelled' },
  expire: { from: ['trial'], to: 'expired' },
  delete: { from: ['trial', 'active', 'suspended', 'cancelled', 'expired'], to: 'pending_deletion' },
  restore: { from: ['pending_deletion'], to: 'previous' },
};

const VERB: Readonly<Record<LifecycleAction, string>> = {
  activate: 'activate',
  suspend: 'suspend',
  cancel: 'cancel',
  expire: 'expire',
  delete: 'delete',
  restore: 'restore',
};

/** The status an action leads to from `current`, or the coded refusal. */
export function nextStatus(action: LifecycleAction, current: TenantStatus, previous?: TenantStatus | null): TenantStatus {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(current)) throw TenantErrors.TENANT_TRANSITION_INVALID(VERB[action], current.replace('_', ' '));
  return rule.to === 'previous' ? (previous ?? 'active') : rule.to;
}

/** Statuses whose tenants may use the API; the others get a 403 naming the status. */
export function statusGateError(status: TenantStatus, subdomain: string) {
  switch (status) {
    case 'trial':
    case 'active':
      return undefined;
    case 'suspended':
      return TenantErrors.TENANT_SUSPENDED(subdomain);
    case 'cancelled':
      return TenantErrors.TENANT_CANCELLED(subdomain);
    case 'expired':
      return TenantErrors.TENANT_EXPIRED(subdomain);
    case 'pending_deletion':
      return TenantErrors.TENANT_PENDING_DELETION(subdomain);
    case 'provisioning':
      return TenantErrors.TENANT_PROVISIONING(subdomain);
  }
}
