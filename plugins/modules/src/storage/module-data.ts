import { createServiceRef } from '@dogan/runtime';
import type { Tenant, TenantData } from '@dogan/tenants';

/** One module's documents in one tenant's database, as they were when copied. */
export interface ModuleDataSnapshot {
  readonly rows: Array<{ collection: string; id: string; data: string; created_at: string; updated_at: string }>;
}

interface DocumentRow {
  collection: string;
  id: string;
  data: unknown;
  created_at: string;
  updated_at: string;
}

/**
 * A module's data in one tenant's database, as a whole, for the plugin that installs modules: copied
 * before an upgrade (so a failed upgrade or a rollback puts it back exactly), purged when an
 * uninstalled module's retention ends. The tables are this plugin's; every statement is scoped by
 * module id.
 */
export class ModuleData {
  constructor(private readonly data: TenantData) {}

  async snapshot(tenant: Tenant, moduleId: string): Promise<ModuleDataSnapshot> {
    const db = await this.data.of(tenant);
    const rows = await db.query<DocumentRow>('SELECT collection, id, data, created_at, updated_at FROM module_documents WHERE module_id = ? ORDER BY collection, id', [moduleId]);
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
    await (await this.data.of(tenant)).transaction(async (tx) => {
      await tx.run('DELETE FROM module_documents WHERE module_id = ?', [moduleId]);
      for (const r of snapshot.rows) {
        await tx.run(`INSERT INTO module_documents (module_id, collection, id, data, created_at, updated_at) VALUES (?, ?, ?, ${tx.json}, ?, ?)`, [
          moduleId,
          r.collection,
          r.id,
          r.data,
          r.created_at,
          r.updated_at,
        ]);
      }
    });
  }

  /** Removes the module's documents and log lines. */
  async purge(tenant: Tenant, moduleId: string): Promise<void> {
    await (await this.data.of(tenant)).transaction(async (tx) => {
      await tx.run('DELETE FROM module_documents WHERE module_id = ?', [moduleId]);
      await tx.run('DELETE FROM module_logs WHERE module_id = ?', [moduleId]);
    });
  }

  /** How many documents the module keeps for the tenant. */
  async count(tenant: Tenant, moduleId: string): Promise<number> {
    const rows = await (await this.data.of(tenant)).query<{ n: number | string }>('SELECT COUNT(*) AS n FROM module_documents WHERE module_id = ?', [moduleId]);
    return Number(rows[0]?.n ?? 0);
  }
}

/** A module's data per tenant as a whole (snapshot, restore, purge, count), for the marketplace. */
export const moduleDataRef = createServiceRef<ModuleData>({ id: 'modules.data' });
