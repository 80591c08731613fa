import { randomUUID } from 'node:crypto';
import type { PlatformEvent } from '@dogan/runtime';
import type { SqlSession, SqlRow } from '@dogan/tenants';
import { eventFromRow } from '../event-codec.js';

export interface DeadLetter {
  readonly id: string;
  readonly consumer: string;
  readonly event: PlatformEvent;
  readonly attempts: number;
  readonly lastError: string;
  readonly deadAt: string;
  readonly replayedAt: string | null;
}

function fromRow(row: SqlRow): DeadLetter {
  return {
    id: String(row.id),
    consumer: String(row.consumer),
    event: eventFromRow({ ...row, id: row.event_id }),
    attempts: Number(row.attempts),
    lastError: String(row.last_error),
    deadAt: new Date(Number(row.dead_at_ms)).toISOString(),
    replayedAt: row.replayed_at_ms === null || row.replayed_at_ms === undefined ? null : new Date(Number(row.replayed_at_ms)).toISOString(),
  };
}

const COLUMNS = 'id, consumer, event_id, type, version, tenant_id, occurred_at, payload, attempts, last_error, dead_at_ms, replayed_at_ms';

/**
 * Events a consumer gave up on after its last delivery, one row per consumer and event, in the
 * control plane. A tenant's admin reads its own (`tenant_id`) and replays them; a letter that fails
 * again stays, with its new error.
 */
export class DeadLetterStore {
  constructor(private readonly controlPlane: SqlSession) {}

  async add(consumer: string, event: PlatformEvent, attempts: number, error: string, now = Date.now()): Promise<void> {
    const db = this.controlPlane;
    await db.run(
      `INSERT INTO event_dead_letters (id, consumer, event_id, type, version, tenant_id, occurred_at, payload, attempts, last_error, dead_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ${db.json}, ?, ?, ?)
       ON CONFLICT (consumer, event_id) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, dead_at_ms = excluded.dead_at_ms, replayed_at_ms = NULL`,
      [randomUUID(), consumer, event.id, event.type, event.version, event.tenantId, event.occurredAt, JSON.stringify(event.payload), attempts, error.slice(0, 2000), now],
    );
  }

  async listForTenant(tenantId: string, page: { limit: number; offset: number }): Promise<{ items: DeadLetter[]; total: number }> {
    const rows = await this.controlPlane.query(`SELECT ${COLUMNS} FROM event_dead_letters WHERE tenant_id = ? ORDER BY dead_at_ms DESC, id LIMIT ? OFFSET ?`, [tenantId, page.limit, page.offset]);
    const [count] = await this.controlPlane.query<{ n: string | number }>('SELECT count(*) AS n FROM event_dead_letters WHERE tenant_id = ?', [tenantId]);
    return { items: rows.map(fromRow), total: Number(count?.n ?? 0) };
  }

  async getForTenant(tenantId: string, id: string): Promise<DeadLetter | null> {
    const [row] = await this.controlPlane.query(`SELECT ${COLUMNS} FROM event_dead_letters WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
    return row ? fromRow(row) : null;
  }

  /** Claims a letter for a replay (marks it replayed) unless another replay did first; true when this call did. */
  async claimReplay(id: string, now = Date.now()): Promise<boolean> {
    return (await this.controlPlane.run('UPDATE event_dead_letters SET replayed_at_ms = ?, attempts = attempts + 1 WHERE id = ? AND replayed_at_ms IS NULL', [now, id])) === 1;
  }

  /** A replay that failed: the letter is open for another, with the new error. */
  async releaseReplay(id: string, error: string): Promise<void> {
    await this.controlPlane.run('UPDATE event_dead_letters SET replayed_at_ms = NULL, last_error = ? WHERE id = ?', [error.slice(0, 2000), id]);
  }
}
