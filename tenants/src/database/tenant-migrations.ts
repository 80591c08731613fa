import type { MikroORM } from '@mikro-orm/core';
import type { TenantMigration } from '@dogan/runtime';
import { sqlSession, toSqlParam } from './sql-session.js';
import type { Dialect } from './tenant-database-manager.js';

export interface PluginMigration {
  readonly plugin: string;
  readonly migration: TenantMigration;
}

const migrationId = (m: PluginMigration) => `${m.plugin}:${m.migration.name}`;

const TRACKING_TABLE = `CREATE TABLE IF NOT EXISTS dogan_migrations (
  id varchar(200) PRIMARY KEY,
  plugin varchar(60) NOT NULL,
  name varchar(140) NOT NULL,
  applied_at timestamp NOT NULL
)`;

/** Names of the migrations already applied in one tenant database. */
export async function appliedMigrations(orm: MikroORM): Promise<Set<string>> {
  const db = sqlSession(orm.em.fork());
  await db.run(TRACKING_TABLE);
  const rows = await db.query<{ id: string }>('SELECT id FROM dogan_migrations');
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
  await sqlSession(orm.em.fork()).transaction(async (tx) => {
    const execute = (sql: string, params: unknown[] = []) => tx.query(sql, params.map(toSqlParam));
    for (const m of pending) {
      around?.(migrationId(m), 'before');
      try {
        await m.migration.up({ execute, dialect });
      } catch (err) {
        (err as { migration?: string }).migration = migrationId(m);
        throw err;
      }
      await tx.run('INSERT INTO dogan_migrations (id, plugin, name, applied_at) VALUES (?, ?, ?, ?)', [
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
