import { createServiceRef } from '@dogan/runtime';
import type { Tenant } from './entities/tenant.js';

/**
 * How much of a limited resource a tenant holds now (its agents, its workflows), counted by the
 * plugin that owns the resource, in its own tables.
 */
export interface UsageCounter {
  /** The plan feature that limits it (`agents`, `workflows`). */
  readonly metric: string;
  count(tenant: Tenant): Promise<number>;
}

/**
 * Where plugins register their usage counters; the billing plugin provides it and reads them for
 * usage reports and plan-limit checks. Declare it as an optional dependency and register in `init`:
 * the plugin then works without billing, and loads after it when billing is there.
 */
export interface UsageCounters {
  /** Fails when another plugin registered the metric already. */
  register(counter: UsageCounter): void;
}

export const usageCountersRef = createServiceRef<UsageCounters>({ id: 'tenants.usageCounters' });
