import { statSync } from 'node:fs';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { sqlSession, type SqlSession } from './sql-session.js';
import type { TenantDatabaseLocation, TenantDatabaseManager } from './tenant-database-manager.js';

/**
 * The one way plugins reach their tables with SQL: a tenant's database, or the control plane. Each
 * plugin keeps to the tables its own migrations create; another plugin's data is asked of its service.
 */
export class TenantData {
  /** The control plane, for a plugin's own control-plane tables (billing's counters). */
  readonly controlPlane: SqlSession;

  constructor(
    private readonly databases: TenantDatabaseManager,
    private readonly controlPlaneOrm: MikroORM,
  ) {
    this.controlPlane = sqlSession(controlPlaneOrm.em.fork());
  }

  /** A session on one tenant's database, opened on first use; take one per unit of work. */
  async of(tenant: TenantDatabaseLocation): Promise<SqlSession> {
    return sqlSession(await this.databases.em(tenant));
  }

  /**
   * Statements inside a control-plane EntityManager's transaction (`em.transactional`), so they commit
   * or roll back with its entity writes (an invoice and its number).
   */
  controlPlaneWithin(em: EntityManager): SqlSession {
    if (em.name !== this.controlPlaneOrm.em.name) throw new Error(`EntityManager "${em.name}" is not the control plane's`);
    return sqlSession(em);
  }

  /** Bytes the tenant's database occupies (PostgreSQL: pg_database_size; SQLite: the file and its WAL). */
  async sizeBytes(tenant: TenantDatabaseLocation): Promise<number> {
    if (tenant.databaseServer !== 'sqlite') {
      const rows = await (await this.of(tenant)).query<{ b: string | number }>('SELECT pg_database_size(current_database()) AS b');
      return Number(rows[0]?.b ?? 0);
    }
    const file = this.databases.sqlitePath(tenant);
    let bytes = 0;
    for (const suffix of ['', '-wal']) {
      try {
        bytes += statSync(file + suffix).size;
      } catch {
        // no WAL file: nothing to add
      }
    }
    return bytes;
  }
}
