import type { SqlSession } from '@dogan/tenants';

export interface DueTenant {
  readonly tenantId: string;
  readonly version: number;
}

/**
 * The control-plane list of tenants with deliveries due. Writers lower a tenant's due time and bump
 * its version; a worker that found nothing more to do clears or raises it only if the version is the
 * one it read, so a delivery recorded meanwhile is never forgotten.
 */
export class DueIndex {
  constructor(private readonly controlPlane: SqlSession) {}

  /** Something of `tenantId` is due at `dueAt` (or earlier, if already listed so). */
  async markDue(tenantId: string, dueAt: number): Promise<void> {
    const least = this.controlPlane.dialect === 'postgresql' ? 'LEAST' : 'MIN';
    await this.controlPlane.run(
      `INSERT INTO webhook_due_tenants (tenant_id, due_at, version) VALUES (?, ?, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET due_at = ${least}(webhook_due_tenants.due_at, excluded.due_at), version = webhook_due_tenants.version + 1`,
      [tenantId, dueAt],
    );
  }

  async due(now: number, limit: number): Promise<DueTenant[]> {
    const rows = await this.controlPlane.query<{ tenant_id: string; version: number | string }>(
      'SELECT tenant_id, version FROM webhook_due_tenants WHERE due_at <= ? ORDER BY due_at LIMIT ?',
      [now, limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, version: Number(r.version) }));
  }

  /** Nothing more due before `nextDue` (null: nothing at all), unless the tenant was marked since `seen` was read. */
  async settle(seen: DueTenant, nextDue: number | null): Promise<void> {
    if (nextDue === null) await this.controlPlane.run('DELETE FROM webhook_due_tenants WHERE tenant_id = ? AND version = ?', [seen.tenantId, seen.version]);
    else await this.controlPlane.run('UPDATE webhook_due_tenants SET due_at = ? WHERE tenant_id = ? AND version = ?', [nextDue, seen.tenantId, seen.version]);
  }

  async forget(tenantId: string): Promise<void> {
    await this.controlPlane.run('DELETE FROM webhook_due_tenants WHERE tenant_id = ?', [tenantId]);
  }
}
