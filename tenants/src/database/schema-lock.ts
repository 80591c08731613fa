import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/knex';

/**
 * Start-up schema work that several processes may do at once (nodes starting together on one
 * database): creating the database and migrating it. Without a lock, two nodes both read "table
 * missing" and the second `create table` fails with "relation already exists".
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

/** A 64-bit advisory lock key from a name, the same in every process (schema locks and leases). */
export function lockKey(name: string): string {
  return createHash('sha256').update(`dogan:${name}`).digest().readBigInt64BE(0).toString();
}

/** How long a process waits for another's schema work on SQLite before giving up. */
const SQLITE_WAIT_MS = 120_000;

export type LockDialect = 'postgresql' | 'sqlite';

/** Statements on the one connection that holds a schema lock. */
export interface LockedSession {
  /** Runs a statement with `?` placeholders; resolves to the rows it returns (none for DDL). */
  execute(sql: string, params?: readonly unknown[]): Promise<Array<Record<string, unknown>>>;
  /**
   * Runs `work` as one unit, kept whole or not at all: its own transaction on PostgreSQL, a
   * savepoint inside the lock's transaction on SQLite (DDL is transactional on both).
   */
  atomically<T>(work: () => Promise<T>): Promise<T>;
}

/** The knex connection pool behind a MikroORM SQL driver. */
function knexOf(orm: MikroORM): Knex {
  return (orm.em.getConnection() as unknown as { getKnex(): Knex }).getKnex();
}

function rowsOf(result: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(result)) return result as Array<Record<string, unknown>>;
  const rows = (result as { rows?: unknown } | undefined)?.rows;
  return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
}

/** Takes the SQLite write lock, waiting (without blocking the loop) while another process holds it. */
async function beginImmediate(execute: LockedSession['execute'], onWait: () => void): Promise<void> {
  const deadline = Date.now() + SQLITE_WAIT_MS;
  for (let waited = false; ; ) {
    try {
      await execute('BEGIN IMMEDIATE');
      return;
    } catch (err) {
      // SQLite's own busy timeout has passed once already; keep waiting without blocking the loop.
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      if (!waited) onWait();
      waited = true;
      await sleep(50);
    }
  }
}

/**
 * Runs `work` on one connection of `orm` while no other process runs work under the same `name` on
 * the same database, e.g. nodes of a deployment starting together. `onWait` is called once when
 * another process holds the lock.
 *
 * PostgreSQL: a session-level advisory lock on that connection, so `work` may commit several
 * transactions under it; the server releases it when the connection ends, a crashed process included.
 * SQLite: one `BEGIN IMMEDIATE` transaction around `work` (the file's write lock), committed at the
 * end with whatever units completed; the lock dies with the process.
 */
export async function withMigrationLock<T>(
  orm: MikroORM,
  dialect: LockDialect,
  name: string,
  work: (session: LockedSession) => Promise<T>,
  onWait: () => void = () => undefined,
): Promise<T> {
  const knex = knexOf(orm);
  const connection: unknown = await knex.client.acquireConnection();
  const execute: LockedSession['execute'] = async (sql, params = []) => rowsOf(await knex.raw(sql, [...params] as Knex.RawBinding[]).connection(connection));
  let units = 0;
  try {
    if (dialect === 'postgresql') {
      const key = lockKey(name);
      const [got] = await execute('SELECT pg_try_advisory_lock(?::bigint) AS got', [key]);
      if (!got?.got) {
        onWait();
        await execute('SELECT pg_advisory_lock(?::bigint)', [key]);
      }
      try {
        return await work({
          execute,
          async atomically(unit) {
            await execute('BEGIN');
            try {
              const result = await unit();
              await execute('COMMIT');
              return result;
            } catch (err) {
              await execute('ROLLBACK').catch(() => undefined);
              throw err;
            }
          },
        });
      } finally {
        await execute('SELECT pg_advisory_unlock(?::bigint)', [key]).catch(() => undefined);
      }
    }
    await beginImmediate(execute, onWait);
    try {
      return await work({
        execute,
        async atomically(unit) {
          const savepoint = `unit_${++units}`;
          await execute(`SAVEPOINT ${savepoint}`);
          try {
            const result = await unit();
            await execute(`RELEASE ${savepoint}`);
            return result;
          } catch (err) {
            await execute(`ROLLBACK TO ${savepoint}`).catch(() => undefined);
            await execute(`RELEASE ${savepoint}`).catch(() => undefined);
            throw err;
          }
        },
      });
    } finally {
      // Units that completed are kept, as on PostgreSQL where each committed on its own.
      await execute('COMMIT').catch(async () => execute('ROLLBACK').catch(() => undefined));
    }
  } finally {
    await knex.client.releaseConnection(connection);
  }
}
