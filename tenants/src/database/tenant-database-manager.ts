import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM, type EntityManager, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '@dogan/runtime';
import { MigrationRecordSchema } from '../entities/migration-record.js';
import { TenantErrors } from '../errors.js';
import { databaseUrl, type DatabaseServer } from './database-servers.js';

/** Where one tenant's database lives: enough to open, create or drop it. */
export interface TenantDatabaseLocation {
  readonly id: string;
  /** `sqlite`, or the name of a configured PostgreSQL server. */
  readonly databaseServer: string;
  /** The PostgreSQL database name, or the SQLite file name. */
  readonly databaseName: string;
}

export type Dialect = 'sqlite' | 'postgresql';

interface OpenEntry {
  orm: MikroORM;
  lastUsed: number;
}

export interface TenantDatabaseManagerOptions {
  config: Config;
  servers: readonly DatabaseServer[];
  /** Every plugin's tenant entities; every tenant ORM has the same set. */
  entities: () => readonly unknown[];
  log: Logger;
}

/**
 * One MikroORM instance per tenant database (MikroORM 6 cannot switch databases inside one instance),
 * opened on first use, kept in an LRU bounded by TENANT_ORM_CACHE_SIZE, closed after
 * TENANT_ORM_IDLE_MS unused or on eviction. PostgreSQL pools start empty (`min: 0`) and hold at most
 * TENANT_DB_POOL_MAX connections, so open connections stay under cache size x pool max however many
 * tenants there are. Nothing here creates a database on the request path (`ensureDatabase: false`).
 */
export class TenantDatabaseManager {
  private readonly open = new Map<string, OpenEntry>();
  private readonly opening = new Map<string, Promise<MikroORM>>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: TenantDatabaseManagerOptions) {
    const every = Math.max(250, Math.min(30_000, Math.floor(options.config.TENANT_ORM_IDLE_MS / 2)));
    this.sweeper = setInterval(() => void this.closeIdle(), every);
    this.sweeper.unref();
  }

  /** `sqlite` in embedded mode, `postgresql` when tenant databases live on PostgreSQL servers. */
  get dialect(): Dialect {
    return this.options.servers.length > 0 ? 'postgresql' : 'sqlite';
  }

  get openCount(): number {
    return this.open.size;
  }

  private server(name: string): DatabaseServer {
    const server = this.options.servers.find((s) => s.name === name);
    if (!server) {
      throw TenantErrors.DATABASE_SERVER_UNKNOWN(name, this.options.servers.map((s) => s.name).join(', ') || '(none: embedded mode)');
    }
    return server;
  }

  sqlitePath(location: TenantDatabaseLocation): string {
    return join(this.options.config.TENANT_DB_DIR, location.databaseName);
  }

  /** The tenant's ORM, opened on first use and marked as recently used. */
  async orm(location: TenantDatabaseLocation): Promise<MikroORM> {
    if (this.closed) throw new Error('tenant database manager is closed');
    const entry = this.open.get(location.id);
    if (entry) {
      entry.lastUsed = Date.now();
      // Re-insert so Map order is least-recently-used first.
      this.open.delete(location.id);
      this.open.set(location.id, entry);
      return entry.orm;
    }
    let pending = this.opening.get(location.id);
    if (!pending) {
      pending = this.openOrm(location).finally(() => this.opening.delete(location.id));
      this.opening.set(location.id, pending);
    }
    return pending;
  }

  /** A fresh EntityManager fork for one unit of work (one request, one job). */
  async em(location: TenantDatabaseLocation): Promise<EntityManager> {
    return (await this.orm(location)).em.fork();
  }

  private async openOrm(location: TenantDatabaseLocation): Promise<MikroORM> {
    const { config } = this.options;
    const common: Partial<Options> = {
      contextName: `tenant:${location.id}`,
      entities: [MigrationRecordSchema, ...(this.options.entities() as never[])],
      allowGlobalContext: false,
      debug: false,
      ensureDatabase: false,
      discovery: { warnWhenNoEntities: false },
    };
    let orm: MikroORM;
    if (location.databaseServer === 'sqlite') {
      const file = this.sqlitePath(location);
      if (!existsSync(file)) throw TenantErrors.TENANT_NOT_FOUND(`${location.id} (database file missing)`);
      orm = await MikroORM.init({ ...common, driver: BetterSqliteDriver, dbName: file } as Options);
    } else {
      const server = this.server(location.databaseServer);
      orm = await MikroORM.init({
        ...common,
        driver: PostgreSqlDriver,
        clientUrl: databaseUrl(server.url, location.databaseName),
        pool: { min: 0, max: config.TENANT_DB_POOL_MAX, idleTimeoutMillis: 5_000 },
      } as Options);
    }
    this.open.set(location.id, { orm, lastUsed: Date.now() });
    await this.evictOverflow();
    return orm;
  }

  private async evictOverflow(): Promise<void> {
    while (this.open.size > this.options.config.TENANT_ORM_CACHE_SIZE) {
      const oldest = this.open.keys().next().value as string;
      await this.release(oldest);
    }
  }

  private async closeIdle(): Promise<void> {
    const cutoff = Date.now() - this.options.config.TENANT_ORM_IDLE_MS;
    for (const [id, entry] of [...this.open]) if (entry.lastUsed < cutoff) await this.release(id);
  }

  /** Closes one tenant's ORM if open (eviction, deletion, or before dropping its database). */
  async release(tenantId: string): Promise<void> {
    const pending = this.opening.get(tenantId);
    if (pending) await pending.catch(() => undefined);
    const entry = this.open.get(tenantId);
    if (!entry) return;
    this.open.delete(tenantId);
    await entry.orm.close(true).catch((err: unknown) => this.options.log.warn({ err, tenantId }, 'closing tenant database failed'));
  }

  private async admin<T>(serverName: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.server(serverName).url });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }

  /** Creates the empty database of a new tenant (PostgreSQL CREATE DATABASE, or a new SQLite file). */
  async createDatabase(location: TenantDatabaseLocation): Promise<void> {
    if (location.databaseServer === 'sqlite') {
      mkdirSync(this.options.config.TENANT_DB_DIR, { recursive: true });
      const orm = await MikroORM.init({
        driver: BetterSqliteDriver,
        dbName: this.sqlitePath(location),
        entities: [MigrationRecordSchema],
        contextName: `create:${location.id}`,
        debug: false,
      } as Options);
      await orm.close(true);
      return;
    }
    await this.admin(location.databaseServer, (c) => c.query(`CREATE DATABASE "${location.databaseName}"`));
  }

  /** Drops a tenant's database; safe when it does not exist (compensation, retried purges). */
  async dropDatabase(location: TenantDatabaseLocation): Promise<void> {
    await this.release(location.id);
    if (location.databaseServer === 'sqlite') {
      const file = this.sqlitePath(location);
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
      return;
    }
    await this.admin(location.databaseServer, (c) => c.query(`DROP DATABASE IF EXISTS "${location.databaseName}" WITH (FORCE)`));
  }

  /** Tenant database names present on a server (for checks and clean-up). */
  async listDatabases(serverName: string, prefix: string): Promise<string[]> {
    const res = await this.admin(serverName, (c) => c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [prefix + '%']));
    return res.rows.map((r) => r.datname);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const pending of this.opening.values()) await pending.catch(() => undefined);
    for (const id of [...this.open.keys()]) await this.release(id);
  }
}
