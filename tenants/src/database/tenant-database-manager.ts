import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM, type EntityManager, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Logger } from 'pino';
import type { TenantsConfig as Config } from '../config.js';
import { MigrationRecordSchema } from '../entities/migration-record.js';
import { TenantErrors } from '../errors.js';
import { databaseUrl, type DatabaseServer } from './database-servers.js';
import { closeWhenIdle } from './pool-drain.js';
import { POSTGRES_DRIVER_OPTIONS } from './postgres-options.js';
import { isDatabaseAlreadyThere } from './schema-lock.js';

/** Where one tenant's database lives: enough to open, create or drop it. */
export interface TenantDatabaseLocation {
  readonly id: string;
  /** `sqlite`, or the name of a configured PostgreSQL server. */
  readonly databaseServer: string;
  /** The PostgreSQL database name, or the SQLite file name. */
  readonly databaseName: string;
}

export type Dialect = 'sqlite' | 'postgresql';

/** How long an evicted database may keep serving queries already under way before it is closed regardless. */
const DRAIN_LIMIT_MS = 30_000;

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
  /** Evicted databases still finishing their queries; `close` waits for them. */
  private readonly retiring = new Set<Promise<void>>();
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

  /**
   * A fresh EntityManager fork for one unit of work (one request, one job). Use it at once: a
   * database evicted from the cache is closed as soon as no query runs on it, so an EntityManager
   * kept across other slow work may find its database closed; take a new one, or use a transaction.
   */
  async em(location: TenantDatabaseLocation): Promise<EntityManager> {
    return (await this.orm(location)).em.fork();
  }

  private async openOrm(location: TenantDatabaseLocation): Promise<MikroORM> {
    const { config } = this.options;
    // Make room before connecting, so open connections stay within cache size x pool max. Openings
    // under way count as open; this one is not in `opening` yet (it is added once this returns).
    const others = this.opening.size - (this.opening.has(location.id) ? 1 : 0);
    await this.shrinkTo(Math.max(0, config.TENANT_ORM_CACHE_SIZE - 1 - others));
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
        driverOptions: POSTGRES_DRIVER_OPTIONS,
      } as Options);
    }
    this.open.set(location.id, { orm, lastUsed: Date.now() });
    // Nothing is awaited between caching the new ORM and handing it out: an eviction running in
    // between would close it before its caller's first query ("Unable to acquire a connection").
    void this.shrinkTo(this.options.config.TENANT_ORM_CACHE_SIZE);
    return orm;
  }

  /**
   * Retires least recently used databases until at most `limit` stay open, and waits until they are
   * closed. Entries in `open` are fully opened, so this never waits for an opening in progress:
   * waiting on one (as `release` does) deadlocked concurrent opens that evicted each other.
   */
  private async shrinkTo(limit: number): Promise<void> {
    const retiring: Array<Promise<void>> = [];
    while (this.open.size > limit) {
      const [id, entry] = this.open.entries().next().value as [string, OpenEntry];
      retiring.push(this.retire(id, entry));
    }
    await Promise.all(retiring);
  }

  private async closeIdle(): Promise<void> {
    const cutoff = Date.now() - this.options.config.TENANT_ORM_IDLE_MS;
    await Promise.all([...this.open].filter(([, entry]) => entry.lastUsed < cutoff).map(([id, entry]) => this.retire(id, entry)));
  }

  /** Takes an open database out of the cache at once, and closes it when its in-flight queries are done. */
  private async retire(tenantId: string, entry: OpenEntry): Promise<void> {
    if (this.open.get(tenantId) !== entry) return;
    this.open.delete(tenantId);
    const closing = closeWhenIdle(entry.orm, DRAIN_LIMIT_MS)
      .catch((err: unknown) => this.options.log.warn({ err, tenantId }, 'closing tenant database failed'))
      .finally(() => this.retiring.delete(closing));
    this.retiring.add(closing);
    await closing;
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

  /**
   * Creates the empty database of a new tenant (PostgreSQL CREATE DATABASE, or a new SQLite file);
   * TENANT_DATABASE_EXISTS when it is already there, which is then left as it was.
   */
  async createDatabase(location: TenantDatabaseLocation): Promise<void> {
    const exists = () => TenantErrors.TENANT_DATABASE_EXISTS(location.databaseName, location.id);
    if (location.databaseServer === 'sqlite') {
      // Opening an existing file would silently adopt whatever it holds.
      if (existsSync(this.sqlitePath(location))) throw exists();
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
    await this.admin(location.databaseServer, (c) => c.query(`CREATE DATABASE "${location.databaseName}"`)).catch((err: unknown) => {
      throw isDatabaseAlreadyThere(err) ? exists() : err;
    });
  }

  /** Whether the tenant's database (or SQLite file) exists now. */
  async databaseExists(location: TenantDatabaseLocation): Promise<boolean> {
    if (location.databaseServer === 'sqlite') return existsSync(this.sqlitePath(location));
    const res = await this.admin(location.databaseServer, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [location.databaseName]));
    return (res.rowCount ?? 0) > 0;
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
    await Promise.all([...this.retiring]);
  }
}
