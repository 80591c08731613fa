import type { SqlSession } from '@dogan/tenants';

/** The control plane's list of tenants with a sync and when their next one is due. */
export class SyncDueIndex {
  constructor(private readonly controlPlane: SqlSession) {}

  /** Sets the tenant's next due time, or forgets the tenant when it has no enabled sync left. */
  async set(tenantId: string, dueAt: number | null): Promise<void> {
    if (dueAt === null) {
      await this.controlPlane.run('DELETE FROM erpnext_sync_due WHERE tenant_id = ?', [tenantId]);
      return;
    }
    await this.controlPlane.run('INSERT INTO erpnext_sync_due (tenant_id, due_at) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET due_at = excluded.due_at', [tenantId, dueAt]);
  }

  async due(now: number, limit: number): Promise<string[]> {
    const rows = await this.controlPlane.query<{ tenant_id: string }>('SELECT tenant_id FROM erpnext_sync_due WHERE due_at <= ? ORDER BY due_at LIMIT ?', [now, limit]);
    return rows.map((r) => r.tenant_id);
  }
}
