import type { SqlSession } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { SqlAllowanceStore, type AllowanceStore, type CounterRef } from './allowance-store.js';
import { LocalAllowance } from './local-allowance.js';

export const API_CALLS = 'api_calls';

/** What the meter needs to know about a tenant's current usage period. */
export interface MeterPeriod {
  readonly periodStart: Date;
  readonly periodEnd: Date;
  /** Calls allowed this period; null: unlimited. */
  readonly limit: number | null;
  /** Trial tenants stop at the limit; paid ones run into overage. */
  readonly hardStop: boolean;
}

interface Entry extends MeterPeriod {
  tenantId: string;
  key: string;
  /** Calls in the database as of the last refresh (every node's flushed counts). */
  base: number;
  loadedAt: number;
  /** Hard-stopped tenants with a limit: the allowance this node leased and has not served yet. */
  allowance: LocalAllowance | undefined;
}

export type MeterDecision =
  | { allowed: true }
  | { allowed: false; reason: 'quota'; used: number; limit: number; resetAt: Date }
  /** No allowance left here and none could be leased: refused (503), never let through uncounted. */
  | { allowed: false; reason: 'unavailable'; cause: unknown };

const ALLOWED: MeterDecision = Object.freeze({ allowed: true });

const RELOAD_MS = 30_000;

export const counterId = (tenantId: string, metric: string, periodStartMs: number) => `${tenantId}|${metric}|${periodStartMs}`;

/**
 * Counts API calls without a database write per request: increments go to an in-memory map, a
 * flusher writes them as one batched upsert every few seconds and on close, then re-reads the totals
 * so every node sees the others' counts. A failed flush puts its counts back, so nothing is lost but
 * the write is retried.
 *
 * A hard stop cannot rest on those totals: between flushes every node would let the whole remaining
 * quota through. So a trial tenant's calls are served from allowance leased in blocks from a shared
 * row (local-allowance.ts states the bound: never more calls than the limit). The quota check still
 * reads only memory; the database is asked once per block, for the next one before this one runs out.
 */
export class ApiCallMeter {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly allowances: AllowanceStore;
  private pending = new Map<string, { tenantId: string; periodStartMs: number; n: number }>();
  private inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      /** The control plane, where the counters are. */
      sql: SqlSession;
      clock: Clock;
      log: Logger;
      /** The tenant's current usage period and limit (reads the subscription and plan). */
      periodOf(tenantId: string): Promise<MeterPeriod>;
    },
  ) {
    this.allowances = new SqlAllowanceStore(deps.sql);
  }

  private used(entry: Entry): number {
    return entry.base + (this.pending.get(entry.key)?.n ?? 0) + (this.inFlight.get(entry.key) ?? 0);
  }

  private async load(tenantId: string): Promise<Entry> {
    const period = await this.deps.periodOf(tenantId);
    const key = counterId(tenantId, API_CALLS, period.periodStart.getTime());
    const rows = await this.deps.sql.query<{ value: number | string }>('SELECT value FROM billing_usage_counters WHERE id = ?', [key]);
    const entry: Entry = { ...period, tenantId, key, base: Number(rows[0]?.value ?? 0), loadedAt: Date.now(), allowance: undefined };
    if (period.hardStop && period.limit !== null) {
      // A reload keeps what was leased for the same period; a changed limit drops the last verdict.
      const previous = this.entries.get(tenantId);
      entry.allowance = previous?.key === key && previous.allowance ? previous.allowance : new LocalAllowance();
      if (previous?.limit !== period.limit) entry.allowance.limitChanged();
    }
    this.entries.set(tenantId, entry);
    return entry;
  }

  /** The tenant's entry: from memory on the hot path; loaded (once, shared) when missing or stale. */
  private entry(tenantId: string): Entry | Promise<Entry> {
    const entry = this.entries.get(tenantId);
    const now = this.deps.clock.now().getTime();
    if (entry && now < entry.periodEnd.getTime() && Date.now() - entry.loadedAt < RELOAD_MS) return entry;
    let pending = this.loading.get(tenantId);
    if (!pending) {
      pending = this.load(tenantId).finally(() => this.loading.delete(tenantId));
      this.loading.set(tenantId, pending);
    }
    // A stale entry of the same period keeps serving while the reload runs in the background.
    if (entry && now < entry.periodEnd.getTime()) {
      pending.catch((err: unknown) => this.deps.log.warn({ err, tenantId }, 'meter reload failed'));
      return entry;
    }
    return pending;
  }

  private add(entry: Entry, tenantId: string, n: number): void {
    const slot = this.pending.get(entry.key);
    if (slot) slot.n += n;
    else this.pending.set(entry.key, { tenantId, periodStartMs: entry.periodStart.getTime(), n });
  }

  private decide(entry: Entry, tenantId: string): MeterDecision | Promise<MeterDecision> {
    if (!entry.hardStop) return ALLOWED;
    const allowance = entry.allowance;
    // Counted now, not at the response: concurrent requests cannot all slip past the last slot.
    if (entry.limit === null || !allowance) {
      this.add(entry, tenantId, 1);
      return ALLOWED;
    }
    const limit = entry.limit;
    const used = this.used(entry);
    if (used >= limit) return this.overQuota(entry, limit, used);
    if (allowance.take()) {
      this.add(entry, tenantId, 1);
      if (allowance.wantsTopUp()) void this.lease(entry, limit, allowance);
      return ALLOWED;
    }
    if (allowance.refusing()) {
      return allowance.failure === undefined ? this.overQuota(entry, limit, Math.max(used, allowance.reserved)) : { allowed: false, reason: 'unavailable', cause: allowance.failure };
    }
    return this.lease(entry, limit, allowance).then(() => this.decide(entry, tenantId));
  }

  private overQuota(entry: Entry, limit: number, used: number): MeterDecision {
    return { allowed: false, reason: 'quota', used: Math.min(used, limit), limit, resetAt: entry.periodEnd };
  }

  /** One lease at a time per tenant; every request that needs it waits for the same one. Never rejects. */
  private lease(entry: Entry, limit: number, allowance: LocalAllowance): Promise<void> {
    allowance.leasing ??= this.allowances
      .lease(this.ref(entry), limit, allowance.nextBlock(limit))
      .then(
        (lease) => allowance.granted(lease.granted, lease.reserved),
        (err: unknown) => {
          this.deps.log.warn({ err, counter: entry.key }, 'API-call allowance could not be leased; refusing once this node has none left');
          allowance.failed(err);
        },
      )
      .finally(() => (allowance.leasing = undefined));
    return allowance.leasing;
  }

  private ref(entry: Entry): CounterRef {
    return { key: entry.key, tenantId: entry.tenantId, periodStartMs: entry.periodStart.getTime() };
  }

  /** Gives back the allowance of tenants this node served no call since the last flush (`all`: every one). */
  private async releaseAllowances(all: boolean): Promise<void> {
    for (const entry of this.entries.values()) {
      const allowance = entry.allowance;
      if (!allowance) continue;
      if (allowance.usedSinceFlush && !all) {
        allowance.usedSinceFlush = false;
        continue;
      }
      const calls = allowance.surrender();
      if (calls === 0) continue;
      try {
        await this.allowances.release(this.ref(entry), calls);
      } catch (err) {
        this.deps.log.warn({ err, counter: entry.key, calls }, 'unused API-call allowance could not be given back; the tenant loses it this period');
      }
    }
  }

  /**
   * Checks (and for hard-stopped tenants reserves) one call. Returns synchronously when the tenant
   * is in memory, which is every request but the first of a tenant on this node.
   */
  check(tenantId: string): MeterDecision | Promise<MeterDecision> {
    const entry = this.entry(tenantId);
    if (entry instanceof Promise) return entry.then((e) => this.decide(e, tenantId));
    return this.decide(entry, tenantId);
  }

  /** Counts a call already answered; hard-stopped tenants were counted by `check`. */
  count(tenantId: string): void {
    const entry = this.entries.get(tenantId);
    if (!entry || entry.hardStop) return;
    this.add(entry, tenantId, 1);
  }

  /** Calls used in the tenant's current period, including what is not flushed yet. */
  async usage(tenantId: string): Promise<{ used: number; period: MeterPeriod }> {
    const entry = await this.entry(tenantId);
    return { used: this.used(entry), period: entry };
  }

  /** Unflushed calls of one counter (for the invoice of a period that just ended). */
  unflushed(tenantId: string, periodStartMs: number): number {
    const key = counterId(tenantId, API_CALLS, periodStartMs);
    return (this.pending.get(key)?.n ?? 0) + (this.inFlight.get(key) ?? 0);
  }

  /** Drops what is cached about a tenant (plan, override or status changed on this node or another). */
  invalidate(tenantId: string): void {
    const entry = this.entries.get(tenantId);
    if (entry) entry.loadedAt = 0;
  }

  /** Reloads every tenant's plan and limit at its next call (changes on other nodes may have been missed). */
  invalidateAll(): void {
    for (const entry of this.entries.values()) entry.loadedAt = 0;
  }

  /**
   * Writes pending counts in one statement, then refreshes the totals of the tenants in memory, then
   * gives back allowance this node leased and has stopped using.
   */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce()
      .then(() => this.releaseAllowances(false))
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [key, slot] of batch) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + slot.n);
    const { sql } = this.deps;
    try {
      if (batch.size > 0) {
        const rows = [...batch.entries()];
        const values = rows.map(() => '(?, ?, ?, ?, ?)').join(', ');
        const params = rows.flatMap(([key, s]) => [key, s.tenantId, API_CALLS, s.periodStartMs, s.n]);
        await sql.run(
          `INSERT INTO billing_usage_counters (id, tenant_id, metric, period_start_ms, value) VALUES ${values} ` +
            'ON CONFLICT (id) DO UPDATE SET value = billing_usage_counters.value + excluded.value',
          params,
        );
      }
    } catch (err) {
      for (const [key, slot] of batch) {
        this.inFlight.set(key, (this.inFlight.get(key) ?? 0) - slot.n);
        this.add({ key, periodStart: new Date(slot.periodStartMs) } as Entry, slot.tenantId, slot.n);
      }
      this.deps.log.error({ err, counters: batch.size }, 'usage flush failed; counts kept for the next flush');
      return;
    }
    const keys = [...this.entries.values()].map((e) => e.key);
    const totals = new Map<string, number>();
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const rows = await sql.query<{ id: string; value: number | string }>(`SELECT id, value FROM billing_usage_counters WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk);
      for (const r of rows) totals.set(r.id, Number(r.value));
    }
    // Base and in-flight change together, synchronously, so no call is counted twice or missed.
    for (const entry of this.entries.values()) entry.base = totals.get(entry.key) ?? entry.base;
    for (const [key, slot] of batch) {
      const left = (this.inFlight.get(key) ?? 0) - slot.n;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    }
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.flush().catch((err: unknown) => this.deps.log.error({ err }, 'usage flush failed')), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the timer, writes everything still pending and gives back unused allowance (graceful shutdown). */
  async close(): Promise<void> {
    this.stop();
    await this.flushing?.catch(() => undefined);
    await this.flush();
    await Promise.all([...this.entries.values()].map((e) => e.allowance?.leasing));
    await this.releaseAllowances(true);
  }
}
