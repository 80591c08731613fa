import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { registryEntities } from './entities.js';
import { openCreatingDatabase, withSchemaLock } from './schema-lock.js';

/** Its own context name, so the registry's EntityManager never mixes with the platform's when embedded. */
export const REGISTRY_CONTEXT = 'marketplace-registry';

export interface RegistryDatabaseOptions {
  /** PostgreSQL URL; when unset, `sqlitePath` is used. */
  databaseUrl?: string;
  sqlitePath: string;
}

/**
 * Opens the registry database (PostgreSQL by URL, else a SQLite file) and brings its schema up to
 * date additively: columns and tables are added, never dropped.
 */
export async function openRegistryDatabase(options: RegistryDatabaseOptions): Promise<MikroORM> {
  const common: Partial<Options> = {
    contextName: REGISTRY_CONTEXT,
    entities: registryEntities,
    allowGlobalContext: false,
    debug: false,
    discovery: { warnWhenNoEntities: false },
  };
  let orm: MikroORM;
  if (options.databaseUrl) {
    const url = options.databaseUrl;
    orm = await openCreatingDatabase(() => MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: url, pool: { min: 0, max: 10 }, ensureDatabase: false } as Options));
  } else {
    mkdirSync(dirname(options.sqlitePath), { recursive: true });
    orm = await MikroORM.init({ ...common, driver: BetterSqliteDriver, dbName: options.sqlitePath } as Options);
    // WAL: readers (search, downloads) never wait for a publish, and a commit costs one fsync, not several.
    await orm.em.getConnection().execute('PRAGMA journal_mode = WAL');
  }
  // Replicas (or platform nodes sharing REGISTRY_DATABASE_URL) starting together take turns.
  await withSchemaLock(orm, options.databaseUrl ? 'postgresql' : 'sqlite', 'registry-schema', () => orm.schema.updateSchema({ safe: true }));
  return orm;
}
