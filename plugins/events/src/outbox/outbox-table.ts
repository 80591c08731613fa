import type { PlatformEvent } from '@dogan/runtime';
import { storableJson, type SqlParam, type SqlSession } from '@dogan/tenants';
import { eventFromRow } from '../event-codec.js';

/**
 * Statements on one database's `event_outbox` (the control plane's or a tenant's): the same SQL on
 * both engines, on whatever session the caller holds (its transaction, or one of the relay's).
 */

/** Rows per INSERT: well under SQLite's 999 bound parameters (7 per row). */
const INSERT_CHUNK = 100;

export async function insertOutboxRows(session: SqlSession, events: readonly PlatformEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    const chunk = events.slice(i, i + INSERT_CHUNK);
    const values = chunk.map(() => `(?, ?, ?, ?, ?, ${session.json})`).join(', ');
    const params: SqlParam[] = chunk.flatMap((e) => [e.id, e.type, e.version, e.tenantId, e.occurredAt, storableJson(e.payload)]);
    await session.run(`INSERT INTO event_outbox (id, type, version, tenant_id, occurred_at, payload) VALUES ${values}`, params);
  }
}

/** The oldest unsent events, in the order they were recorded. */
export async function unsentEvents(session: SqlSession, limit: number): Promise<PlatformEvent[]> {
  const rows = await session.query('SELECT id, type, version, tenant_id, occurred_at, payload FROM event_outbox WHERE sent_at_ms IS NULL ORDER BY seq LIMIT ?', [limit]);
  return rows.map(eventFromRow);
}

function inList(ids: readonly string[]): string {
  return ids.map(() => '?').join(', ');
}

export async function markSent(session: SqlSession, ids: readonly string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await session.run(`UPDATE event_outbox SET sent_at_ms = ?, attempts = attempts + 1, last_error = NULL WHERE id IN (${inList(ids)})`, [now, ...ids]);
}

export async function markFailed(session: SqlSession, ids: readonly string[], error: string): Promise<void> {
  if (ids.length === 0) return;
  await session.run(`UPDATE event_outbox SET attempts = attempts + 1, last_error = ? WHERE id IN (${inList(ids)})`, [error.slice(0, 2000), ...ids]);
}

/** Sent rows older than `before` go: the bus has them, and the outbox is not an event store. */
export async function pruneSent(session: SqlSession, before: number): Promise<number> {
  return session.run('DELETE FROM event_outbox WHERE sent_at_ms IS NOT NULL AND sent_at_ms < ?', [before]);
}
