import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/core';

/**
 * Start-up schema work that several processes may do at once (nodes starting together on one
 * database): creating the database and bringing its schema up to date. Without a lock, two nodes
 * both read "table missing" and the second `create table` fails with "relation already exists".
 */

/**
 * SQLSTATEs of a CREATE DATABASE that lost a race: duplicate_database, or unique_violation on
 * pg_database's name index when both creations got past the existence check.
 */
const DATABASE_ALREADY_THERE = new Set(['42P04', '23505']);

/** True when creating a database failed only because another process created it first. */
export function isDatabaseAlreadyThere(err: unknown): boolean {
  return DATABASE_ALREADY_THERE.has(String((err as { code?: unknown })?.code));
}

/**
 * Opens an ORM (with `ensureDatabase: false`) and creates its PostgreSQL database when missing. A
 * process that loses the race to create it closes that ORM and opens again: MikroORM's failed
 * creation leaves it pointed at the management database.
 */
export async function openCreatingDatabase(open: () => Promise<MikroORM>): Promise<MikroORM> {
  for (let attempt = 1; ; attempt++) {
    const orm = await open();
    try {
      await orm.schema.ensureDatabase();
      return orm;
    } catch (err) {
      await orm.close(true).catch(() => undefined);
      if (attempt >= 3 || !isDatabaseAlreadyThere(err)) throw err;
    }
  }
}

/** A 64-bit advisory lock key from a name, the same in every process. */
function lockKey(name: string): string {
  return createHash('sha256').update(`dogan:${name}`).digest().readBigInt64BE(0).toString();
}

/** How long a process waits for another's schema work on SQLite before giving up. */
const SQLITE_WAIT_MS = 120_000;

/**
 * Runs `work` (schema changes through `orm`) while no other process runs work under the same
 * `name` on the same database.
 *
 * PostgreSQL: a transaction-scoped advisory lock held by one connection of the pool while `work`
 * runs on others; it is released at commit, or by the server when the process dies.
 * SQLite: an ORM has one connection, so `work` runs inside this `BEGIN IMMEDIATE` transaction,
 * which other processes' wait for (SQLite DDL is transactional); the file lock dies with the process.
 */
export async function withSchemaLock<T>(orm: MikroORM, dialect: 'postgresql' | 'sqlite', name: string, work: () => Promise<T>): Promise<T> {
  if (dialect === 'postgresql') {
    return orm.em.fork().transactional(async (em) => {
      await em.getConnection().execute('SELECT pg_advisory_xact_lock(?::bigint)', [lockKey(name)], 'all', em.getTransactionContext());
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
      // SQLite's own busy timeout has passed once already; keep waiting without blocking the loop.
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
