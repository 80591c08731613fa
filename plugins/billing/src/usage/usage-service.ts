import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type { MikroORM } from '@mikro-orm/core';
import type { Tenant, TenantDatabaseManager } from '@dogan/tenants';
import type { Clock } from '../clock.js';
import { UsageEventSchema } from '../entities/usage.js';
import { BillingErrors } from '../errors.js';
import { API_CALLS, counterId, type ApiCallMeter } from './api-meter.js';

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

/** Usage other than API calls: metered events, rows counted in tenant tables, storage per tenant database. */
export class UsageService {
  constructor(
    private readonly deps: { orm: MikroORM; clock: Clock; databases: TenantDatabaseManager; meter: ApiCallMeter },
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
    const rows = (await this.deps.orm.em.fork().getConnection().execute('SELECT value FROM billing_usage_counters WHERE id = ?', [id])) as Array<{ value: unknown }>;
    return Number(rows[0]?.value ?? 0) + this.deps.meter.unflushed(tenantId, periodStart.getTime());
  }

  /** Rows of a tenant table (agents, workflows); 0 when the owning plugin is not installed. */
  async countRows(tenant: Tenant, table: 'agents' | 'workflows'): Promise<number> {
    const em = await this.deps.databases.em(tenant);
    const conn = em.getConnection();
    const exists =
      this.deps.databases.dialect === 'postgresql'
        ? ((await conn.execute("SELECT to_regclass(?) IS NOT NULL AS e", [`public.${table}`])) as Array<{ e: boolean }>)[0]?.e
        : ((await conn.execute("SELECT COUNT(*) AS e FROM sqlite_master WHERE type = 'table' AND name = ?", [table])) as Array<{ e: number }>)[0]?.e;
    if (!exists) return 0;
    const rows = (await conn.execute(`SELECT COUNT(*) AS n FROM ${table}`)) as Array<{ n: unknown }>;
    return Number(rows[0]?.n ?? 0);
  }

  /** Bytes the tenant's database occupies (PostgreSQL: pg_database_size; SQLite: the files). */
  async storageBytes(tenant: Tenant): Promise<number> {
    if (this.deps.databases.dialect === 'postgresql') {
      const em = await this.deps.databases.em(tenant);
      const rows = (await em.getConnection().execute('SELECT pg_database_size(current_database()) AS b')) as Array<{ b: unknown }>;
      return Number(rows[0]?.b ?? 0);
    }
    const file = this.deps.databases.sqlitePath(tenant);
    let bytes = 0;
    for (const suffix of ['', '-wal']) {
      try {
        bytes += statSync(file + suffix).size;
      } catch {
        // no WAL file: nothing to add
      }
    }
    return bytes;
  }
}
