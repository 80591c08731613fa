import type { SqlSession } from '@dogan/tenants';

/** The control plane's list of tenants with agent tasks due, and from when. */
export class TaskDueIndex {
  constructor(private readonly controlPlane: SqlSession) {}

  /** Sets the tenant's earliest due time, or forgets the tenant when nothing of it is due. */
  async set(tenantId: string, dueAt: number | null): Promise<void> {
    if (dueAt === null) {
      await this.controlPlane.run('DELETE FROM agent_task_due WHERE tenant_id = ?', [tenantId]);
      return;
    }
    await this.controlPlane.run('INSERT INTO agent_task_due (tenant_id, due_at) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET due_at = excluded.due_at', [tenantId, dueAt]);
  }

  async due(now: number, limit: number): Promise<string[]> {
    const rows = await this.controlPlane.query<{ tenant_id: string }>('SELECT tenant_id FROM agent_task_due WHERE due_at <= ? ORDER BY due_at LIMIT ?', [now, limit]);
    return rows.map((r) => r.tenant_id);
  }
}
