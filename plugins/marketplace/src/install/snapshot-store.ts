import type { TenantMigration } from '@dogan/runtime';
import type { ModuleDataSnapshot } from '@dogan/plugin-modules';
import type { Tenant, TenantData } from '@dogan/tenants';

/** The snapshots live in the tenant's own database, beside the documents they copy. */
export const snapshotMigrations: TenantMigration[] = [
  {
    name: '0001-marketplace-snapshots',
    async up({ execute }) {
      await execute(`CREATE TABLE marketplace_snapshots (
        module_id varchar(120) PRIMARY KEY,
        version varchar(64) NOT NULL,
        data text NOT NULL,
        created_at varchar(32) NOT NULL
      )`);
    },
  },
];

/**
 * The module's documents as they were before its last upgrade: what a rollback restores. One per
 * module (the platform rolls back one step), dropped on rollback and purge.
 */
export class SnapshotStore {
  constructor(private readonly data: TenantData) {}

  async save(tenant: Tenant, moduleId: string, version: string, snapshot: ModuleDataSnapshot): Promise<void> {
    await (await this.data.of(tenant)).transaction(async (tx) => {
      await tx.run('DELETE FROM marketplace_snapshots WHERE module_id = ?', [moduleId]);
      await tx.run('INSERT INTO marketplace_snapshots (module_id, version, data, created_at) VALUES (?, ?, ?, ?)', [moduleId, version, JSON.stringify(snapshot), new Date().toISOString()]);
    });
  }

  async load(tenant: Tenant, moduleId: string, version: string): Promise<ModuleDataSnapshot | null> {
    const rows = await (await this.data.of(tenant)).query<{ data: string }>('SELECT data FROM marketplace_snapshots WHERE module_id = ? AND version = ?', [moduleId, version]);
    return rows[0] ? (JSON.parse(String(rows[0].data)) as ModuleDataSnapshot) : null;
  }

  async drop(tenant: Tenant, moduleId: string): Promise<void> {
    await (await this.data.of(tenant)).run('DELETE FROM marketplace_snapshots WHERE module_id = ?', [moduleId]);
  }
}
