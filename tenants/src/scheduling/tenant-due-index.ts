import type { SqlSession } from '../database/sql-session.js';

/** A tenant found due, with the version of its entry when it was read. */
export interface DueTenantEntry {
  readonly tenantId: string;
  readonly version: number;
}

/**
 * A control-plane list of the tenants with work due and from when, so every node's worker reads one
 * small table instead of every tenant database. The plugin owning the work owns the table (created by
 * its control-plane migration as `(tenant_id varchar(36) PRIMARY KEY, due_at bigint NOT NULL,
 * version integer NOT NULL)` with an index on due_at). Writers lower a tenant's due time and bump
 * its version; a worker that looked at the tenant settles the entry only if the version is the one it
 * read, so work recorded meanwhile is never forgotten.
 */
export class TenantDueIndex {
  constructor(
    private readonly controlPlane: SqlSession,
    private readonly table: string,
  ) {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(table)) throw new Error(`"${table}" is not a table name`);
  }

  /** Something of `tenantId` is due at `dueAt` (or earlier, if already listed so). */
  async markDue(tenantId: string, dueAt: number): Promise<void> {
    const least = this.controlPlane.dialect === 'postgresql' ? 'LEAST' : 'MIN';
    await this.controlPlane.run(
      `INSERT INTO ${this.table} (tenant_id, due_at, version) VALUES (?, ?, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET due_at = ${least}(${this.table}.due_at, excluded.due_at), version = ${this.table}.version + 1`,
      [tenantId, dueAt],
    );
  }

  async due(now: number, limit: number): Promise<DueTenantEntry[]> {
    const rows = await this.controlPlane.query<{ tenant_id: string; version: number | string }>(`SELECT tenant_id, version FROM ${this.table} WHERE due_at <= ? ORDER BY due_at LIMIT ?`, [now, limit]);
    return rows.map((r) => ({ tenantId: r.tenant_id, version: Number(r.version) }));
  }

  /** Nothing more due before `nextDue` (null: nothing at all), unless the tenant was marked since `seen` was read. */
  async settle(seen: DueTenantEntry, nextDue: number | null): Promise<void> {
    if (nextDue === null) await this.controlPlane.run(`DELETE FROM ${this.table} WHERE tenant_id = ? AND version = ?`, [seen.tenantId, seen.version]);
    else await this.controlPlane.run(`UPDATE ${this.table} SET due_at = ? WHERE tenant_id = ? AND version = ?`, [nextDue, seen.tenantId, seen.version]);
  }

  async forget(tenantId: string): Promise<void> {
    await this.controlPlane.run(`DELETE FROM ${this.table} WHERE tenant_id = ?`, [tenantId]);
  }
}
