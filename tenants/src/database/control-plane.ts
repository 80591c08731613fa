import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Config } from '@dogan/runtime';
import { POSTGRES_DRIVER_OPTIONS } from './postgres-options.js';
import { openCreatingDatabase, withSchemaLock } from './schema-lock.js';
import { ApiKeySchema } from '../entities/api-key.js';
import { AuditEntrySchema } from '../entities/audit-entry.js';
import { TenantSchema } from '../entities/tenant.js';
import { IdempotencyRecordSchema } from '../idempotency/idempotency-record.js';

/** Its own context name, so a tenant's EntityManager fork can never stand in for the control plane's. */
export const CONTROL_PLANE_CONTEXT = 'control-plane';

/**
 * Opens the control-plane database: PostgreSQL when DATABASE_URL is set, else the SQLite file at
 * PLATFORM_DB_PATH. Its schema is brought up to date additively (never dropping a column).
 */
export async function openControlPlane(config: Config, extraEntities: readonly unknown[] = []): Promise<MikroORM> {
  const common: Partial<Options> = {
    contextName: CONTROL_PLANE_CONTEXT,
    entities: [TenantSchema, ApiKeySchema, AuditEntrySchema, IdempotencyRecordSchema, ...(extraEntities as never[])],
    allowGlobalContext: false,
    debug: false,
    discovery: { warnWhenNoEntities: false },
  };
  let orm: MikroORM;
  if (config.DATABASE_URL) {
    const url = config.DATABASE_URL;
    orm = await openCreatingDatabase(() =>
      MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: url, pool: { min: 0, max: 10 }, driverOptions: POSTGRES_DRIVER_OPTIONS, ensureDatabase: false } as Options),
    );
  } else {
    mkdirSync(dirname(config.PLATFORM_DB_PATH), { recursive: true });
    orm = await MikroORM.init({ ...common, driver: BetterSqliteDriver, dbName: config.PLATFORM_DB_PATH } as Options);
  }
  // Every plugin's control-plane tables are in this one update; nodes starting together take turns.
  await withSchemaLock(orm, config.DATABASE_URL ? 'postgresql' : 'sqlite', 'control-plane-schema', () => orm.schema.updateSchema({ safe: true }));
  return orm;
}
