import type { MikroORM } from '@mikro-orm/core';

/** The knex (tarn) pool counters we read; absent when the driver keeps no pool. */
interface PoolCounters {
  numUsed(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

function poolOf(orm: MikroORM): PoolCounters | undefined {
  const connection = orm.em.getConnection() as unknown as { getKnex?(): { client?: { pool?: PoolCounters } } };
  return connection.getKnex?.().client?.pool;
}

/** True while a query runs or waits for a connection of this ORM. */
export function ormIsBusy(orm: MikroORM): boolean {
  const pool = poolOf(orm);
  if (!pool) return false;
  return pool.numUsed() + pool.numPendingAcquires() + pool.numPendingCreates() > 0;
}

const POLL_MS = 10;

/**
 * Waits until no query runs on the ORM (at most `limitMs`), then closes it. Closing at once would
 * abort the queries that other requests still have queued on it; waiting keeps the open-connection
 * bound, since a busy pool only holds the connections it is using.
 */
export async function closeWhenIdle(orm: MikroORM, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  // A request that took this ORM from the cache earlier in the current task asks the pool for a
  // connection a few microtasks later; one turn of the event loop lets it do so, so it counts as busy.
  await new Promise((r) => setImmediate(r));
  while (ormIsBusy(orm) && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
  await orm.close(true);
}
