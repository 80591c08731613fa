import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { TenantsConfig as Config } from '../config.js';
import { POSTGRES_DRIVER_OPTIONS } from './postgres-options.js';
import { migrateControlPlane, type PluginControlPlaneMigration } from './control-plane-migrations.js';
import { tenantsControlPlaneMigrations } from './migrations/index.js';
import { openCreatingDatabase } from './schema-lock.js';
import { ApiKeySchema } from '../entities/api-key.js';
import { AuditEntrySchema } from '../entities/audit-entry.js';
import { TenantSchema } from '../entities/tenant.js';
import { IdempotencyRecordSchema } from '../idempotency/idempotency-record.js';

/** Its own context name, so a tenant's EntityManager fork can never stand in for the control plane's. */
export const CONTROL_PLANE_CONTEXT = 'control-plane';

/** True when a session is on the control plane (not a tenant's database). */
export function isControlPlaneSession(session: { readonly database: string }): boolean {
  return session.database === CONTROL_PLANE_CONTEXT;
}

export interface ControlPlaneOptions {
  /** The other plugins' control-plane entities (the tenants plugin's own are added here). */
  readonly entities?: readonly unknown[];
  /** The other plugins' control-plane migrations, in load order (the tenants plugin's own run first). */
  readonly migrations?: readonly PluginControlPlaneMigration[];
  readonly log?: Logger;
}

/** The tenants plugin's own control-plane migrations, as the runner takes them. */
export const ownControlPlaneMigrations: readonly PluginControlPlaneMigration[] = [...tenantsControlPlaneMigrations]
  .sort((a, b) => a.name.localeCompare(b.name))
  .map((migration) => ({ plugin: 'tenants', migration }));

/**
 * Connects to the control-plane database, creating it (never its tables) when missing: PostgreSQL
 * when DATABASE_URL is set, else the SQLite file at PLATFORM_DB_PATH.
 */
export async function connectControlPlane(config: Pick<Config, 'DATABASE_URL' | 'PLATFORM_DB_PATH'>, entities: readonly unknown[] = []): Promise<MikroORM> {
  const common: Partial<Options> = {
    contextName: CONTROL_PLANE_CONTEXT,
    entities: [TenantSchema, ApiKeySchema, AuditEntrySchema, IdempotencyRecordSchema, ...(entities as never[])],
    allowGlobalContext: false,
    debug: false,
    discovery: { warnWhenNoEntities: false },
  };
  if (config.DATABASE_URL) {
    const url = config.DATABASE_URL;
    return openCreatingDatabase(() =>
      MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: url, pool: { min: 0, max: 10 }, driverOptions: POSTGRES_DRIVER_OPTIONS, ensureDatabase: false } as Options),
    );
  }
  mkdirSync(dirname(config.PLATFORM_DB_PATH), { recursive: true });
  return MikroORM.init({ ...common, driver: BetterSqliteDriver, dbName: config.PLATFORM_DB_PATH } as Options);
}

/**
 * Opens the control plane and applies every pending control-plane migration (see
 * control-plane-migrations.ts): the schema comes from versioned SQL, never from the entities.
 */
export async function openControlPlane(config: Pick<Config, 'DATABASE_URL' | 'PLATFORM_DB_PATH'>, options: ControlPlaneOptions = {}): Promise<MikroORM> {
  const orm = await connectControlPlane(config, options.entities);
  try {
    await migrateControlPlane(orm, config.DATABASE_URL ? 'postgresql' : 'sqlite', [...ownControlPlaneMigrations, ...(options.migrations ?? [])], { log: options.log });
  } catch (err) {
    await orm.close(true).catch(() => undefined);
    throw err;
  }
  return orm;
}
