import { hostname } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import type { ControlPlaneMigration } from '@dogan/runtime';
import type { Logger } from 'pino';
import { TenantErrors } from '../errors.js';
import { withMigrationLock, type LockDialect, type LockedSession } from './schema-lock.js';

/**
 * The control plane's schema, as versioned migrations owned by the plugins: applied at start in
 * plugin load order, each plugin's in name order, by whichever node takes the lock first; the others
 * wait and find them applied. Each migration commits with its tracking row, so a migration that fails
 * leaves neither, and the next start runs it again.
 *
 * Upgrading a control plane from before migrations (its schema kept by `updateSchema` at every start):
 * a plugin's first migration names the tables it creates (`baselineTables`). When the control plane
 * already has all of them and the migration is not recorded, it is recorded with `recorded_as =
 * 'baseline'` instead of running; when it has only some, start-up stops and names them.
 */

export interface PluginControlPlaneMigration {
  readonly plugin: string;
  readonly migration: ControlPlaneMigration;
}

export const CONTROL_PLANE_MIGRATIONS_TABLE = 'dogan_control_plane_migrations';

export interface ControlPlaneMigrationReport {
  /** `plugin:name` of the migrations this process ran. */
  readonly applied: string[];
  /** `plugin:name` of the migrations this process recorded as already there (baseline). */
  readonly baseline: string[];
}

const idOf = (m: PluginControlPlaneMigration) => `${m.plugin}:${m.migration.name}`;

/** Who applied a migration: the host and process. */
export const THIS_NODE = `${hostname()}/${process.pid}`;

function trackingTable(dialect: LockDialect): string {
  const at = dialect === 'postgresql' ? 'timestamptz' : 'varchar(32)';
  return `CREATE TABLE IF NOT EXISTS ${CONTROL_PLANE_MIGRATIONS_TABLE} (
    plugin varchar(60) NOT NULL,
    name varchar(140) NOT NULL,
    applied_at ${at} NOT NULL,
    applied_by varchar(200) NOT NULL,
    recorded_as varchar(10) NOT NULL,
    PRIMARY KEY (plugin, name)
  )`;
}

type Execute = LockedSession['execute'];

/** The tables of the control plane's schema now. */
async function existingTables(execute: Execute, dialect: LockDialect): Promise<Set<string>> {
  const rows =
    dialect === 'postgresql'
      ? await execute("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
      : await execute("SELECT name FROM sqlite_master WHERE type = 'table'");
  return new Set(rows.map((r) => String(r.name)));
}

/** The migrations recorded, or undefined before the tracking table exists. */
async function recordedMigrations(execute: Execute, dialect: LockDialect): Promise<Set<string> | undefined> {
  if (!(await existingTables(execute, dialect)).has(CONTROL_PLANE_MIGRATIONS_TABLE)) return undefined;
  const rows = await execute(`SELECT plugin, name FROM ${CONTROL_PLANE_MIGRATIONS_TABLE}`);
  return new Set(rows.map((r) => `${String(r.plugin)}:${String(r.name)}`));
}

function refuseDuplicates(migrations: readonly PluginControlPlaneMigration[]): void {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(idOf(m))) throw TenantErrors.CONTROL_PLANE_MIGRATION_FAILED(idOf(m), `plugin "${m.plugin}" declares two migrations of this name`);
    seen.add(idOf(m));
  }
}

/** True when a baseline migration's tables are all there already; throws when only some are. */
function alreadyThere(m: PluginControlPlaneMigration, tables: ReadonlySet<string>): boolean {
  const expected = m.migration.baselineTables ?? [];
  const present = expected.filter((t) => tables.has(t));
  if (expected.length === 0 || present.length === 0) return false;
  if (present.length === expected.length) return true;
  throw TenantErrors.CONTROL_PLANE_SCHEMA_PARTIAL(idOf(m), present.join(', '), expected.filter((t) => !tables.has(t)).join(', '));
}

interface RunOptions {
  readonly log?: Logger;
  /** Recorded as who applied them (default: this host and process). */
  readonly node?: string;
}

/** Applies the pending migrations under the lock; another node may have applied them meanwhile. */
async function applyPending(
  session: LockedSession,
  dialect: LockDialect,
  migrations: readonly PluginControlPlaneMigration[],
  { log, node = THIS_NODE }: RunOptions,
): Promise<ControlPlaneMigrationReport> {
  const { execute } = session;
  await execute(trackingTable(dialect));
  const done = (await recordedMigrations(execute, dialect)) ?? new Set<string>();
  const pending = migrations.filter((m) => !done.has(idOf(m)));
  const tables = await existingTables(execute, dialect);
  const report: ControlPlaneMigrationReport = { applied: [], baseline: [] };
  for (const m of pending) {
    const recordedAs = alreadyThere(m, tables) ? 'baseline' : 'applied';
    const started = Date.now();
    await session.atomically(async () => {
      if (recordedAs === 'applied') {
        try {
          await m.migration.up({ execute: (sql, params) => execute(sql, params), dialect });
        } catch (err) {
          throw TenantErrors.CONTROL_PLANE_MIGRATION_FAILED(idOf(m), err instanceof Error ? err.message : String(err));
        }
      }
      await execute(`INSERT INTO ${CONTROL_PLANE_MIGRATIONS_TABLE} (plugin, name, applied_at, applied_by, recorded_as) VALUES (?, ?, ?, ?, ?)`, [
        m.plugin,
        m.migration.name,
        new Date().toISOString(),
        node,
        recordedAs,
      ]);
    });
    // No `plugin` field: the log line is already bound to the tenants plugin, which runs every plugin's migrations.
    const fields = { migration: idOf(m), node, ms: Date.now() - started };
    if (recordedAs === 'applied') {
      report.applied.push(idOf(m));
      log?.info(fields, 'control-plane migration applied');
    } else {
      report.baseline.push(idOf(m));
      log?.info(fields, 'control-plane migration recorded as baseline: its tables were already there');
    }
  }
  return report;
}

/**
 * Brings the control plane's schema up to date with the given migrations (load order, then name
 * order within a plugin). A node that finds every migration recorded reads and changes nothing more.
 */
export async function migrateControlPlane(
  orm: MikroORM,
  dialect: LockDialect,
  migrations: readonly PluginControlPlaneMigration[],
  options: RunOptions = {},
): Promise<ControlPlaneMigrationReport> {
  refuseDuplicates(migrations);
  const connection = orm.em.getConnection();
  const read: Execute = async (sql, params = []) => (await connection.execute(sql, [...params], 'all')) as Array<Record<string, unknown>>;
  const recorded = await recordedMigrations(read, dialect);
  if (recorded && migrations.every((m) => recorded.has(idOf(m)))) return { applied: [], baseline: [] };
  const onWait = () => options.log?.info('waiting for another node to finish the control-plane migrations');
  // The key the `updateSchema` start-up of earlier releases locked: during a rolling upgrade an old node
  // and a new one take turns, and whichever comes second finds the tables (or adopts them as baseline).
  const report = await withMigrationLock(orm, dialect, 'control-plane-schema', (session) => applyPending(session, dialect, migrations, options), onWait);
  if (report.baseline.length > 0) await warnOfDrift(orm, options.log);
  return report;
}

/**
 * After adopting tables made before migrations: a control plane that an older release kept up to
 * date may still differ from the entities. Says so once, with the statements that would align it.
 */
async function warnOfDrift(orm: MikroORM, log: Logger | undefined): Promise<void> {
  const diff = (await orm.schema.getUpdateSchemaSQL({ safe: true, wrap: false })).trim();
  if (diff) log?.warn({ diff }, 'the adopted control-plane tables differ from what the entities expect; a migration must align them');
}
