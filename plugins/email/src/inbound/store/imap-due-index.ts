import type { SqlSession } from '@dogan/tenants';

/** The control plane's list of tenants with an enabled IMAP mailbox, and when each is next read. */
export class ImapDueIndex {
  constructor(private readonly controlPlane: SqlSession) {}

  /** Sets the tenant's next poll, or forgets the tenant (no mailbox, or a disabled one). */
  async set(tenantId: string, dueAt: number | null): Promise<void> {
    if (dueAt === null) {
      await this.controlPlane.run('DELETE FROM email_imap_due WHERE tenant_id = ?', [tenantId]);
      return;
    }
    await this.controlPlane.run('INSERT INTO email_imap_due (tenant_id, due_at) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET due_at = excluded.due_at', [tenantId, dueAt]);
  }

  async due(now: number, limit: number): Promise<string[]> {
    const rows = await this.controlPlane.query<{ tenant_id: string }>('SELECT tenant_id FROM email_imap_due WHERE due_at <= ? ORDER BY due_at LIMIT ?', [now, limit]);
    return rows.map((r) => r.tenant_id);
  }
}
