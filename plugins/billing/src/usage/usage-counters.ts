import type { Tenant, UsageCounter, UsageCounters } from '@dogan/tenants';

const METRIC = /^[a-z][A-Za-z0-9]{0,63}$/;
/** Limits billing meters itself. */
const OWN_METRICS = new Set(['apiCallsPerMonth', 'storageGb']);

/** The counters other plugins registered, by metric; what nobody counts is 0. */
export class UsageCounterRegistry implements UsageCounters {
  private readonly counters = new Map<string, UsageCounter>();

  register(counter: UsageCounter): void {
    const { metric } = counter;
    if (!METRIC.test(metric)) throw new Error(`usage counter metric "${metric}" must be a plan feature name (a lowercase letter, then letters or digits)`);
    if (OWN_METRICS.has(metric)) throw new Error(`usage counter metric "${metric}" is metered by billing itself`);
    if (this.counters.has(metric)) throw new Error(`a usage counter for "${metric}" is registered already`);
    this.counters.set(metric, counter);
  }

  /** Metrics with a registered counter, in registration order. */
  metrics(): string[] {
    return [...this.counters.keys()];
  }

  async count(tenant: Tenant, metric: string): Promise<number> {
    const counter = this.counters.get(metric);
    return counter ? counter.count(tenant) : 0;
  }
}
