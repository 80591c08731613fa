import type { TenantsApi, Tenant } from '@dogan/tenants';

type Exec = { execute(sql: string, params?: unknown[], method?: 'all' | 'run'): Promise<Array<Record<string, unknown>>> };

export interface ModuleDataSnapshot {
  readonly rows: Array<{ collection: string; id: string; data: string; created_at: string; updated_at: string }>;
}

/**
 * A module's documents in one tenant's database, as a whole: copied before an upgrade (so a failed
 * upgrade or a rollback puts them back exactly), and purged when an uninstalled module's retention
 * ends. Queries are always scoped by module id.
 */
export class ModuleData {
  constructor(private readonly tenants: TenantsApi) {}

  private async em(tenant: Tenant): Promise<Exec> {
    return (await this.tenants.databases.em(tenant)) as unknown as Exec;
  }

  async snapshot(tenant: Tenant, moduleId: string): Promise<ModuleDataSnapshot> {
    const rows = await (await this.em(tenant)).execute(
      'SELECT collection, id, data, created_at, updated_at FROM module_documents WHERE module_id = ? ORDER BY collection, id',
      [moduleId],
    );
    return {
      rows: rows.map((r) => ({
        collection: String(r.collection),
        id: String(r.id),
        data: typeof r.data === 'string' ? r.data : JSON.stringify(r.data),
        created_at: String(r.created_at),
        updated_at: String(r.updated_at),
      })),
    };
  }

  /** Replaces the module's documents with the snapshot, in one transaction. */
  async restore(tenant: Tenant, moduleId: string, snapshot: ModuleDataSnapshot): Promise<void> {
    const orm = await this.tenants.databases.orm(tenant);
    const cast = this.tenants.databases.dialect === 'postgresql' ? '?::jsonb' : '?';
    await orm.em.fork().transactional(async (em) => {
      const exec = em as unknown as Exec;
      await exec.execute('DELETE FROM module_documents WHERE module_id = ?', [moduleId], 'run');
      for (const r of snapshot.rows) {
        await exec.execute(
          `INSERT INTO module_documents (module_id, collection, id, data, created_at, updated_at) VALUES (?, ?, ?, ${cast}, ?, ?)`,
          [moduleId, r.collection, r.id, r.data, r.created_at, r.updated_at],
          'run',
        );
      }
    });
  }

  async purge(tenant: Tenant, moduleId: string): Promise<void> {
    const exec = await this.em(tenant);
    await exec.execute('DELETE FROM module_documents WHERE module_id = ?', [moduleId], 'run');
    await exec.execute('DELETE FROM module_logs WHERE module_id = ?', [moduleId], 'run');
  }

  async count(tenant: Tenant, moduleId: string): Promise<number> {
    const rows = await (await this.em(tenant)).execute('SELECT COUNT(*) AS n FROM module_documents WHERE module_id = ?', [moduleId]);
    return Number(rows[0]?.n ?? 0);
  }
}
