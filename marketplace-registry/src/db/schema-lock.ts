import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/core';

/*
 * Start-up schema work that several registry processes (replicas, or platform nodes embedding the
 * registry on one REGISTRY_DATABASE_URL) may do at once. The platform's control plane has the same
 * pair in tenants/src/database/schema-lock.ts; the registry runs standalone and cannot import it.
 */

/** duplicate_database, or unique_violation on pg_database's name index: another process created it. */
const DATABASE_ALREADY_THERE = new Set(['42P04', '23505']);

/**
 * Opens an ORM (with `ensureDatabase: false`) and creates its PostgreSQL database when missing; a
 * process that loses the race opens again (MikroORM's failed creation leaves it on the management database).
 */
export async function openCreatingDatabase(open: () => Promise<MikroORM>): Promise<MikroORM> {
  for (let attempt = 1; ; attempt++) {
    const orm = await open();
    try {
      await orm.schema.ensureDatabase();
      return orm;
    } catch (err) {
      await orm.close(true).catch(() => undefined);
      if (attempt >= 3 || !DATABASE_ALREADY_THERE.has(String((err as { code?: unknown })?.code))) throw err;
    }
  }
}

const SQLITE_WAIT_MS = 120_000;

/**
 * Runs `work` while no other process runs work under `name` on the same database: a transaction-
 * scoped advisory lock on PostgreSQL; on SQLite (one connection per ORM) `work` runs inside a
 * `BEGIN IMMEDIATE` transaction that other processes wait for.
 */
export async function withSchemaLock<T>(orm: MikroORM, dialect: 'postgresql' | 'sqlite', name: string, work: () => Promise<T>): Promise<T> {
  if (dialect === 'postgresql') {
    const key = createHash('sha256').update(`dogan:${name}`).digest().readBigInt64BE(0).toString();
    return orm.em.fork().transactional(async (em) => {
      await em.getConnection().execute('SELECT pg_advisory_xact_lock(?::bigint)', [key], 'all', em.getTransactionContext());
      return work();
    });
  }
  const connection = orm.em.getConnection();
  const deadline = Date.now() + SQLITE_WAIT_MS;
  for (;;) {
    try {
      await connection.execute('BEGIN IMMEDIATE', [], 'run');
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
  try {
    const result = await work();
    await connection.execute('COMMIT', [], 'run');
    return result;
  } catch (err) {
    await connection.execute('ROLLBACK', [], 'run').catch(() => undefined);
    throw err;
  }
}
