import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { PluginDefinition, TenantMigration } from '@dogan/runtime';
import type { Dialect } from './tenant-database-manager.js';

export interface PluginMigration {
  readonly plugin: string;
  readonly migration: TenantMigration;
}

/** Every loaded plugin's tenant migrations in load order, each plugin's in name order. */
export function collectMigrations(plugins: ReadonlyArray<PluginDefinition>): PluginMigration[] {
  return plugins.flatMap((def) =>
    [...(def.tenantMigrations ?? [])].sort((a, b) => a.name.localeCompare(b.name)).map((migration) => ({ plugin: def.name, migration })),
  );
}

const migrationId = (m: PluginMigration) => `${m.plugin}:${m.migration.name}`;

const TRACKING_TABLE = `CREATE TABLE IF NOT EXISTS dogan_migrations (
  id varchar(200) PRIMARY KEY,
  plugin varchar(60) NOT NULL,
  name varchar(140) NOT NULL,
  applied_at timestamp NOT NULL
)`;

type Executor = { execute(sql: string, params?: unknown[]): Promise<unknown> };

function executorOf(em: EntityManager): Executor {
  const sqlEm = em as unknown as { execute(sql: string, params?: unknown[], method?: 'all' | 'run'): Promise<unknown> };
  return { execute: (sql, params = []) => sqlEm.execute(sql, params, 'all') };
}

/** Names of the migrations already applied in one tenant database. */
export async function appliedMigrations(orm: MikroORM): Promise<Set<string>> {
  const em = orm.em.fork();
  await executorOf(em).execute(TRACKING_TABLE);
  const rows = (await executorOf(em).execute('SELECT id FROM dogan_migrations')) as Array<{ id: string }>;
  return new Set(rows.map((r) => r.id));
}

/**
 * Applies the pending migrations of one tenant in a single transaction: either all of them and their
 * tracking rows, or none (PostgreSQL and SQLite both roll back DDL). Returns what was applied.
 */
export async function migrateTenantDatabase(
  orm: MikroORM,
  dialect: Dialect,
  migrations: readonly PluginMigration[],
  /** Called before and after each migration (provisioning's fault points). */
  around?: (id: string, when: 'before' | 'after') => void,
): Promise<string[]> {
  const done = await appliedMigrations(orm);
  const pending = migrations.filter((m) => !done.has(migrationId(m)));
  if (pending.length === 0) return [];
  await orm.em.fork().transactional(async (em) => {
    const exec = executorOf(em);
    for (const m of pending) {
      around?.(migrationId(m), 'before');
      try {
        await m.migration.up({ execute: (sql, params) => exec.execute(sql, params), dialect });
      } catch (err) {
        (err as { migration?: string }).migration = migrationId(m);
        throw err;
      }
      await exec.execute('INSERT INTO dogan_migrations (id, plugin, name, applied_at) VALUES (?, ?, ?, ?)', [
        migrationId(m),
        m.plugin,
        m.migration.name,
        new Date().toISOString().replace('T', ' ').replace('Z', ''),
      ]);
      around?.(migrationId(m), 'after');
    }
  });
  return pending.map(migrationId);
}
