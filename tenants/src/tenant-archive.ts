import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sqlSession, toSqlParam, type SqlParam, type SqlSession } from './database/sql-session.js';
import type { Dialect } from './database/tenant-database-manager.js';
import { TenantSchema, type Tenant } from './entities/tenant.js';
import { TenantErrors } from './errors.js';
import type { TenantService } from './tenant-service.js';

/**
 * A portable tenant: its control-plane record and every table of its database as JSON rows, gzipped.
 * Engine-neutral, so a tenant moves SQLite → PostgreSQL and back: the target database is provisioned
 * by the target's own migrations, then the rows are copied in.
 */
export interface TenantArchive {
  format: 'dogan-tenant-archive';
  version: 1;
  exportedAt: string;
  sourceDialect: Dialect;
  tenant: Record<string, unknown>;
  tables: Record<string, { columns: string[]; rows: unknown[][] }>;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function listTables(db: SqlSession): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      : await db.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name");
  return rows.map((r) => String(r.name)).filter((n) => n !== 'dogan_migrations');
}

function toPortable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return { $base64: value.toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** PostgreSQL column types, to turn SQLite's 0/1 and epoch numbers back into booleans and timestamps. */
async function postgresColumnTypes(db: SqlSession, table: string): Promise<Map<string, string>> {
  const rows = await db.query<{ column_name: string; data_type: string }>('SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?', ['public', table]);
  return new Map(rows.map((r) => [String(r.column_name), String(r.data_type)]));
}

function fromPortable(value: unknown, pgType: string | undefined): SqlParam {
  if (value && typeof value === 'object' && '$base64' in value) return Buffer.from(String((value as { $base64: string }).$base64), 'base64');
  if (pgType === 'boolean' && typeof value === 'number') return value !== 0;
  if (pgType?.startsWith('timestamp') && typeof value === 'number') return new Date(value);
  if ((pgType === 'jsonb' || pgType === 'json') && typeof value !== 'string') return JSON.stringify(value);
  return toSqlParam(value);
}

export async function exportTenant(service: TenantService, ref: string): Promise<TenantArchive> {
  const tenant = await service.get(ref);
  const orm = await service.databases.orm(tenant);
  const db = sqlSession(orm.em.fork());
  const tables: TenantArchive['tables'] = {};
  for (const table of await listTables(db)) {
    const rows = await db.query(`SELECT * FROM ${quote(table)}`);
    const columns = rows[0] ? Object.keys(rows[0]) : [];
    tables[table] = { columns, rows: rows.map((r) => columns.map((c) => toPortable(r[c]))) };
  }
  const record = Object.fromEntries(Object.entries(tenant).map(([k, v]) => [k, toPortable(v)]));
  return { format: 'dogan-tenant-archive', version: 1, exportedAt: new Date().toISOString(), sourceDialect: service.databases.dialect, tenant: record, tables };
}

export function writeArchive(archive: TenantArchive, file: string): void {
  writeFileSync(file, gzipSync(JSON.stringify(archive)), { mode: 0o600 });
}

export function readArchive(file: string): TenantArchive {
  let archive: TenantArchive;
  try {
    archive = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as TenantArchive;
  } catch (err) {
    throw TenantErrors.ARCHIVE_INVALID(`${file} is not a gzipped JSON tenant archive (${(err as Error).message})`);
  }
  if (archive?.format !== 'dogan-tenant-archive' || archive.version !== 1) throw TenantErrors.ARCHIVE_INVALID('unknown format or version');
  if (typeof archive.tenant?.id !== 'string' || typeof archive.tenant?.subdomain !== 'string') throw TenantErrors.ARCHIVE_INVALID('the tenant record has no id or subdomain');
  return archive;
}

/**
 * Recreates an archived tenant here with the same id and subdomain: provision (database and this
 * platform's migrations), copy every table's rows in one transaction, then restore the record's status
 * and plan. A failure while copying removes the half-imported tenant.
 */
export async function importTenant(service: TenantService, archive: TenantArchive, actor: string): Promise<Tenant> {
  const t = archive.tenant as Record<string, string | null>;
  const tenant = await service.create(
    { id: t.id!, name: t.name!, subdomain: t.subdomain!, plan: t.plan!, locale: t.locale ?? undefined, timezone: t.timezone ?? undefined, country: t.country ?? undefined },
    actor,
  );
  try {
    const orm = await service.databases.orm(tenant);
    await sqlSession(orm.em.fork()).transaction(async (tx) => {
      const existing = new Set(await listTables(tx));
      for (const [table, data] of Object.entries(archive.tables)) {
        if (!existing.has(table)) throw TenantErrors.ARCHIVE_INVALID(`table "${table}" does not exist here; are the same plugins loaded?`);
        const types = tx.dialect === 'postgresql' ? await postgresColumnTypes(tx, table) : new Map<string, string>();
        await tx.run(`DELETE FROM ${quote(table)}`);
        const cols = data.columns.map(quote).join(', ');
        const marks = data.columns.map(() => '?').join(', ');
        for (const row of data.rows) {
          await tx.run(`INSERT INTO ${quote(table)} (${cols}) VALUES (${marks})`, row.map((v, i) => fromPortable(v, types.get(data.columns[i]!))));
        }
      }
    });
  } catch (err) {
    await service.purge(tenant.id, actor).catch(() => undefined);
    throw err;
  }
  const em = service.controlPlane.em.fork();
  const restored = {
    status: (t.status === 'provisioning' ? 'trial' : t.status) as Tenant['status'],
    // The tenant's age is part of its record (trials, billing history), not the time of the import.
    createdAt: t.createdAt ? new Date(t.createdAt) : tenant.createdAt,
    trialEndsAt: t.trialEndsAt ? new Date(t.trialEndsAt) : null,
    statusBeforeDeletion: (t.statusBeforeDeletion ?? null) as Tenant['statusBeforeDeletion'],
    deletionScheduledAt: t.deletionScheduledAt ? new Date(t.deletionScheduledAt) : null,
  };
  await em.nativeUpdate(TenantSchema, { id: tenant.id }, restored);
  service.forget(tenant);
  await service.audit(tenant.id, 'tenant.imported', actor, { from: archive.sourceDialect, exportedAt: archive.exportedAt });
  return service.get(tenant.id);
}
