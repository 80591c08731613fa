import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '@dogan/runtime';
import type { Test } from 'tap';
import { TEST_ADMIN_TOKEN } from './kernel.js';

/**
 * Runs one suite against both tenant-database engines: embedded SQLite (a temp data dir) and
 * PostgreSQL (a fresh control-plane database on 127.0.0.1:5432). On PostgreSQL every engine gets
 * its own login role, so every database the test creates (control plane and tenants) is owned by
 * that role: "what did this test create" is one exact query even while other suites use the server,
 * teardown drops exactly those, and the role's connection limit caps what one suite can hold.
 */

export type EngineName = 'sqlite' | 'postgresql';

export interface TestEngine {
  readonly name: EngineName;
  readonly dataDir: string;
  /** The variables that select this engine (DOGAN_DATA_DIR, and DATABASE_URL on PostgreSQL), for kernels and the CLI. */
  readonly env: Readonly<Record<string, string>>;
  /** A config on this engine's databases; `env` adds or overrides variables. */
  config(env?: Record<string, string>): Config;
  /** Tenant databases that exist now: PostgreSQL databases this engine created, or SQLite files. */
  tenantDatabases(): Promise<string[]>;
  /** Rows of a query on the control-plane database, read directly, not through the plugin. */
  controlPlaneRows(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Rows of a query (or nothing, for a statement) on one tenant database, read directly. */
  tenantRows(databaseName: string, sql: string): Promise<Array<Record<string, unknown>>>;
}

/** The server the PostgreSQL variant uses; DOGAN_TEST_POSTGRES_URL points elsewhere (a maintenance database URL). */
export const POSTGRES_ADMIN_URL = process.env.DOGAN_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Most connections one PostgreSQL engine may hold: a runaway pool fails its own test, not the shared server. */
export const ENGINE_CONNECTION_LIMIT = 24;

/** Like testConfig, on the engine's data dir (testConfig would make a temp dir of its own). */
function engineConfig(env: Record<string, string>): Config {
  return loadConfig({ envFile: false, env: { LOG_LEVEL: 'silent', DOGAN_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PORT: '0', ...env } });
}

const requireCjs = createRequire(import.meta.url);

interface SqliteDatabase {
  prepare(sql: string): { reader: boolean; all(): Array<Record<string, unknown>>; run(): unknown };
  close(): void;
}
const SqliteDatabase = requireCjs('better-sqlite3') as new (file: string, options?: { readonly?: boolean; fileMustExist?: boolean }) => SqliteDatabase;

function sqliteRows(file: string, sql: string, readonly: boolean): Array<Record<string, unknown>> {
  const db = new SqliteDatabase(file, { readonly, fileMustExist: true });
  try {
    const statement = db.prepare(sql);
    if (statement.reader) return statement.all();
    statement.run();
    return [];
  } finally {
    db.close();
  }
}

function urlFor(database: string, user?: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = '/' + database;
  if (user) {
    url.username = user;
    url.password = '';
  }
  return url.toString();
}

async function withClient<T>(connectionString: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

let reachable: Promise<string | undefined> | undefined;
/** Undefined when PostgreSQL answers; otherwise why not. Asked once per process. */
export function postgresUnavailable(): Promise<string | undefined> {
  reachable ??= withClient(POSTGRES_ADMIN_URL, (c) => c.query('SELECT 1')).then(
    () => undefined,
    (err: Error) => `PostgreSQL at ${new URL(POSTGRES_ADMIN_URL).host} is not reachable (${err.message})`,
  );
  return reachable;
}

function sqliteEngine(cleanup: Cleanup): TestEngine {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-engine-'));
  cleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  // DATABASE_URL empty, so a CLI process does not inherit one from the environment.
  const env = { DOGAN_DATA_DIR: dataDir, DATABASE_URL: '' };
  const tenantDir = join(dataDir, 'tenants');
  return {
    name: 'sqlite',
    dataDir,
    env,
    config: (extra = {}) => engineConfig({ ...env, ...extra }),
    async tenantDatabases() {
      if (!existsSync(tenantDir)) return [];
      // Side files (-wal, -shm, -journal) belong to a database; a lone one would still be left behind.
      return readdirSync(tenantDir).sort();
    },
    async controlPlaneRows(sql) {
      return sqliteRows(join(dataDir, 'platform.db'), sql, true);
    },
    async tenantRows(databaseName, sql) {
      return sqliteRows(join(tenantDir, databaseName), sql, false);
    },
  };
}

const ROLE_PREFIX = 'dogan_test_';
/** Longer than any test or benchmark runs; a role this old with no connection was left by a killed run. */
const STALE_AFTER_S = 2 * 3600;

let sweptStale: Promise<void> | undefined;
/**
 * Drops what killed runs left behind (a process killed mid-test never runs its teardown). Role names
 * carry their creation time, so only roles older than any run and without a connection are touched.
 */
function sweepStaleRoles(): Promise<void> {
  sweptStale ??= withClient(POSTGRES_ADMIN_URL, async (c) => {
    const { rows } = await c.query<{ rolname: string }>(
      'SELECT rolname FROM pg_roles r WHERE rolname LIKE $1 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.usename = r.rolname)',
      [`${ROLE_PREFIX}%`],
    );
    return rows.map((r) => r.rolname);
  }).then(async (roles) => {
    const now = Date.now() / 1000;
    for (const role of roles) {
      const born = parseInt(role.slice(ROLE_PREFIX.length).split('_')[0] ?? '', 36);
      if (Number.isFinite(born) && now - born > STALE_AFTER_S) await dropEverythingOf(role).catch(() => undefined);
    }
  });
  return sweptStale;
}

async function postgresEngine(cleanup: Cleanup, connectionLimit: number): Promise<TestEngine> {
  await sweepStaleRoles();
  const role = `${ROLE_PREFIX}${Math.floor(Date.now() / 1000).toString(36)}_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-engine-'));
  await withClient(POSTGRES_ADMIN_URL, async (c) => {
    await c.query(`CREATE ROLE "${role}" LOGIN CREATEDB CONNECTION LIMIT ${connectionLimit}`);
    await c.query(`CREATE DATABASE "${role}" OWNER "${role}"`);
  });
  cleanup(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropEverythingOf(role);
  });
  const owned = (c: pg.Client) =>
    c.query<{ datname: string }>('SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1 ORDER BY datname', [role]);
  const env = { DOGAN_DATA_DIR: dataDir, DATABASE_URL: urlFor(role, role) };
  return {
    name: 'postgresql',
    dataDir,
    env,
    config: (extra = {}) => engineConfig({ ...env, ...extra }),
    async tenantDatabases() {
      const rows = await withClient(POSTGRES_ADMIN_URL, owned);
      return rows.rows.map((r) => r.datname).filter((n) => n !== role);
    },
    async controlPlaneRows(sql) {
      return (await withClient(urlFor(role), (c) => c.query(sql))).rows;
    },
    async tenantRows(databaseName, sql) {
      return (await withClient(urlFor(databaseName), (c) => c.query(sql))).rows ?? [];
    },
  };
}

/** Drops every database a test role owns (its control plane and its tenants), then the role. */
async function dropEverythingOf(role: string): Promise<void> {
  await withClient(POSTGRES_ADMIN_URL, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1',
      [role],
    );
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS "${role}"`);
  });
}

type Cleanup = (fn: () => unknown) => void;

/**
 * A fresh engine outside a test (benchmarks): `cleanup` receives what to run when done; run those in
 * reverse order. `connectionLimit` caps the PostgreSQL role (default ENGINE_CONNECTION_LIMIT).
 */
export async function openEngine(name: EngineName, cleanup: Cleanup, options: { connectionLimit?: number } = {}): Promise<TestEngine> {
  return name === 'sqlite' ? sqliteEngine(cleanup) : postgresEngine(cleanup, options.connectionLimit ?? ENGINE_CONNECTION_LIMIT);
}

/** The engines a suite runs on, in order. */
export const ENGINES: readonly EngineName[] = ['sqlite', 'postgresql'];

/**
 * Runs `fn` once per engine as a subtest named "<name> (<engine>)", with a fresh engine that is
 * cleaned up after it. When PostgreSQL is unreachable its variant is skipped with the reason, except
 * under CI (`CI` set), where it fails: CI must prove both engines.
 */
export async function forEachEngine(
  t: Test,
  name: string,
  fn: (t: Test, engine: TestEngine) => Promise<unknown>,
  options: { engines?: readonly EngineName[] } = {},
): Promise<void> {
  for (const engineName of options.engines ?? ENGINES) {
    await withEngine(t, `${name} (${engineName})`, engineName, fn);
  }
}

/** One subtest on one engine (for suites such as export/import that need two engines at once, nest two). */
export async function withEngine(t: Test, name: string, engineName: EngineName, fn: (t: Test, engine: TestEngine) => Promise<unknown>): Promise<void> {
  if (engineName === 'postgresql') {
    const why = await postgresUnavailable();
    if (why) {
      if (process.env.CI) {
        await t.test(name, async (t) => t.fail(`${why}; CI must run the PostgreSQL variant`));
      } else {
        await t.test(name, { skip: `${why}; set CI=1 to make this a failure` }, async () => undefined);
      }
      return;
    }
  }
  await t.test(name, async (sub) => {
    await fn(sub, await openEngine(engineName, (cleanup) => sub.teardown(cleanup)));
  });
}
