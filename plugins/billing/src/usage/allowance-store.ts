import type { SqlSession } from '@dogan/tenants';

/** One counter: a tenant's API calls in one usage period (`key` is the counter's id). */
export interface CounterRef {
  readonly key: string;
  readonly tenantId: string;
  readonly periodStartMs: number;
}

export interface Lease {
  /** Calls this node may now serve. 0: the period's allowance is all reserved. */
  granted: number;
  /** Allowance reserved by every node after this lease, as far as this lease saw. */
  reserved: number;
}

/** The shared record of how much of a period's allowance nodes have reserved. */
export interface AllowanceStore {
  /** Reserves up to `want` calls without letting the total pass `limit`; fewer when less is left. */
  lease(counter: CounterRef, limit: number, want: number): Promise<Lease>;
  /** Gives back calls a node reserved and will not serve. */
  release(counter: CounterRef, calls: number): Promise<void>;
}

/** Each failed attempt means another node reserved some allowance meanwhile, so this is seldom reached. */
const MAX_ATTEMPTS = 10;

/**
 * Leases on the control plane's `billing_usage_allowances` with one conditional update, atomic on
 * PostgreSQL and SQLite alike: `reserved + n <= limit`. When it matches no row, either the period has
 * no row yet (it is created from the calls already counted, so a period begun before allowances
 * existed keeps its count) or less than `n` is left, and the next attempt asks for what is left.
 */
export class SqlAllowanceStore implements AllowanceStore {
  /** `sql`: the control plane. */
  constructor(private readonly sql: SqlSession) {}

  async lease(counter: CounterRef, limit: number, want: number): Promise<Lease> {
    let ask = want;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (ask > 0) {
        const rows = await this.sql.query<{ reserved: number | string }>(
          'UPDATE billing_usage_allowances SET reserved = reserved + ? WHERE id = ? AND reserved + ? <= ? RETURNING reserved',
          [ask, counter.key, ask, limit],
        );
        if (rows[0]) return { granted: ask, reserved: Number(rows[0].reserved) };
      }
      const reserved = await this.reserved(counter);
      if (reserved >= limit) return { granted: 0, reserved };
      ask = Math.min(want, limit - reserved);
    }
    throw new Error(`allowance of ${counter.key} still contended after ${MAX_ATTEMPTS} attempts`);
  }

  async release(counter: CounterRef, calls: number): Promise<void> {
    await this.sql.run('UPDATE billing_usage_allowances SET reserved = reserved - ? WHERE id = ? AND reserved >= ?', [calls, counter.key, calls]);
  }

  /** The period's reserved total, creating its row (from the calls counted so far) when missing. */
  private async reserved(counter: CounterRef): Promise<number> {
    const read = () => this.sql.query<{ reserved: number | string }>('SELECT reserved FROM billing_usage_allowances WHERE id = ?', [counter.key]);
    let rows = await read();
    if (!rows[0]) {
      await this.sql.run(
        'INSERT INTO billing_usage_allowances (id, tenant_id, period_start_ms, reserved) ' +
          'VALUES (?, ?, ?, COALESCE((SELECT value FROM billing_usage_counters WHERE id = ?), 0)) ON CONFLICT (id) DO NOTHING',
        [counter.key, counter.tenantId, counter.periodStartMs, counter.key],
      );
      rows = await read();
    }
    return Number(rows[0]?.reserved ?? 0);
  }
}
