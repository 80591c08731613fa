import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Tenant, TenantData } from '@dogan/tenants';
import type { Clock } from '../clock.js';
import { UsageEventSchema } from '../entities/usage.js';
import { BillingErrors } from '../errors.js';
import { API_CALLS, counterId, type ApiCallMeter } from './api-meter.js';
import { UsageCounterRegistry } from './usage-counters.js';

/** How a billable metric folds its events over a period (Lago's aggregations). */
export type Aggregation = 'count' | 'sum' | 'max' | 'unique_count';

export interface UsageEventInput {
  /** The caller's idempotency key: the same key twice for a tenant records one event. */
  key: string;
  metric: string;
  quantity?: number;
  uniqueValue?: string | null;
  occurredAt?: Date;
}

const KEY = /^[\w.:@/-]{1,200}$/;
const METRIC = /^[a-z][\w.:/-]{0,119}$/;

/** Usage other than API calls: metered events, what other plugins count for limits, storage per tenant database. */
export class UsageService {
  /** What other plugins count (`usageCountersRef`, provided by this plugin). */
  readonly counters = new UsageCounterRegistry();

  constructor(
    private readonly deps: { orm: MikroORM; data: TenantData; clock: Clock; meter: ApiCallMeter },
  ) {}

  /** Records an event once per (tenant, key); returns false for a duplicate. */
  async record(tenantId: string, input: UsageEventInput): Promise<boolean> {
    if (!KEY.test(input.key)) throw BillingErrors.USAGE_EVENT_INVALID('key must be 1-200 letters, digits or ._:@/-');
    if (!METRIC.test(input.metric)) throw BillingErrors.USAGE_EVENT_INVALID('metric must start with a lowercase letter');
    const quantity = input.quantity ?? 1;
    if (!Number.isSafeInteger(quantity) || quantity < 0) throw BillingErrors.USAGE_EVENT_INVALID('quantity must be a whole number ≥ 0');
    const em = this.deps.orm.em.fork();
    em.create(UsageEventSchema, {
      id: randomUUID(),
      tenantId,
      key: input.key,
      metric: input.metric,
      quantity,
      uniqueValue: input.uniqueValue ?? null,
      occurredAt: input.occurredAt ?? this.deps.clock.now(),
    });
    try {
      await em.flush();
      return true;
    } catch (err) {
      if ((err as Error).name === 'UniqueConstraintViolationException') return false;
      throw err;
    }
  }

  /**
   * A metric aggregated over [from, to). Folded here rather than in SQL so the date comparison goes
   * through the ORM's own mapping on both engines; a period's events per tenant and metric are few.
   */
  async aggregate(tenantId: string, metric: string, aggregation: Aggregation, from: Date, to: Date): Promise<number> {
    const where = { tenantId, metric, occurredAt: { $gte: from, $lt: to } };
    const em = this.deps.orm.em.fork();
    if (aggregation === 'count') return em.count(UsageEventSchema, where);
    const rows = await em.find(UsageEventSchema, where, { fields: ['quantity', 'uniqueValue'] });
    if (aggregation === 'unique_count') return new Set(rows.map((r) => r.uniqueValue).filter((v) => v !== null)).size;
    if (aggregation === 'max') return rows.reduce((m, r) => Math.max(m, r.quantity), 0);
    return rows.reduce((sum, r) => sum + r.quantity, 0);
  }

  /** API calls counted in a usage period: flushed counts plus what this node has not flushed yet. */
  async apiCalls(tenantId: string, periodStart: Date): Promise<number> {
    const id = counterId(tenantId, API_CALLS, periodStart.getTime());
    const rows = await this.deps.data.controlPlane.query<{ value: number | string }>('SELECT value FROM billing_usage_counters WHERE id = ?', [id]);
    return Number(rows[0]?.value ?? 0) + this.deps.meter.unflushed(tenantId, periodStart.getTime());
  }

  /** What the plugin owning `metric` counts for the tenant now (its agents); 0 when none registered it. */
  count(tenant: Tenant, metric: string): Promise<number> {
    return this.counters.count(tenant, metric);
  }

  /** Bytes the tenant's database occupies. */
  storageBytes(tenant: Tenant): Promise<number> {
    return this.deps.data.sizeBytes(tenant);
  }
}
