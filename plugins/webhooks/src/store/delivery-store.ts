import type { SqlSession } from '@dogan/tenants';

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';
/** Why an attempt was made: the schedule, a tenant's redelivery, or a test ping. */
export type AttemptKind = 'automatic' | 'manual' | 'ping';

export interface DeliveryRecord {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The exact bytes sent (and signed) at every attempt. */
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly claimToken: string | null;
  readonly claimUntil: number | null;
  readonly responseStatus: number | null;
  readonly responseMs: number | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly kind: AttemptKind;
  readonly startedAt: number;
  readonly responseStatus: number | null;
  readonly responseMs: number;
  readonly error: string | null;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function deliveryFromRow(r: Row): DeliveryRecord {
  return {
    id: String(r.id),
    webhookId: String(r.webhook_id),
    eventId: String(r.event_id),
    eventType: String(r.event_type),
    body: String(r.body),
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: num(r.next_attempt_at),
    claimToken: (r.claim_token as string | null) ?? null,
    claimUntil: num(r.claim_until),
    responseStatus: num(r.response_status),
    responseMs: num(r.response_ms),
    error: (r.error as string | null) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Due: pending and its time has come, or claimed by a node whose claim ran out (it died mid-send). */
const DUE = "((status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND claim_until < ?))";

/** The `webhook_deliveries` and `webhook_delivery_attempts` tables of one tenant database. */
export const DeliveryStore = {
  /**
   * A delivery of an event to a webhook, once: a second insert for the same (webhook, event) does
   * nothing. `nextAttemptAt` null holds it back from the worker (a ping, sent by its request).
   */
  async insert(db: SqlSession, d: { id: string; webhookId: string; eventId: string; eventType: string; body: string; status: DeliveryStatus }, now: number, nextAttemptAt: number | null): Promise<void> {
    await db.run(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, body, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (webhook_id, event_id) DO NOTHING`,
      [d.id, d.webhookId, d.eventId, d.eventType, d.body, d.status, nextAttemptAt, now, now],
    );
  },

  async get(db: SqlSession, webhookId: string, id: string): Promise<DeliveryRecord | null> {
    const rows = await db.query('SELECT * FROM webhook_deliveries WHERE id = ? AND webhook_id = ?', [id, webhookId]);
    return rows[0] ? deliveryFromRow(rows[0]) : null;
  },

  async page(db: SqlSession, webhookId: string, q: { status?: DeliveryStatus; limit: number; offset: number }): Promise<{ items: DeliveryRecord[]; total: number }> {
    const where = q.status ? 'webhook_id = ? AND status = ?' : 'webhook_id = ?';
    const params = q.status ? [webhookId, q.status] : [webhookId];
    const total = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM webhook_deliveries WHERE ${where}`, params);
    const rows = await db.query(`SELECT * FROM webhook_deliveries WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, [...params, q.limit, q.offset]);
    return { items: rows.map(deliveryFromRow), total: Number(total[0]?.n ?? 0) };
  },

  async attempts(db: SqlSession, deliveryId: string): Promise<AttemptRecord[]> {
    const rows = await db.query('SELECT * FROM webhook_delivery_attempts WHERE delivery_id = ? ORDER BY attempt', [deliveryId]);
    return rows.map((r) => ({
      attempt: Number(r.attempt),
      kind: r.kind as AttemptKind,
      startedAt: Number(r.started_at),
      responseStatus: num(r.response_status),
      responseMs: Number(r.response_ms),
      error: (r.error as string | null) ?? null,
    }));
  },

  /**
   * Claims up to `limit` due deliveries in one conditional update (pending or with a lapsed claim, to
   * `sending` under `token`): on PostgreSQL a row another node claimed first fails the re-checked
   * condition and is skipped, so each delivery goes to one node. Returns the rows claimed.
   */
  async claimDue(db: SqlSession, limit: number, token: string, until: number, now: number): Promise<DeliveryRecord[]> {
    const claimed = await db.run(
      `UPDATE webhook_deliveries SET status = 'sending', claim_token = ?, claim_until = ?, attempts = attempts + 1, updated_at = ?
       WHERE id IN (SELECT id FROM webhook_deliveries WHERE ${DUE} ORDER BY next_attempt_at LIMIT ?) AND ${DUE}`,
      [token, until, now, now, now, limit, now, now],
    );
    if (claimed === 0) return [];
    return (await db.query('SELECT * FROM webhook_deliveries WHERE claim_token = ?', [token])).map(deliveryFromRow);
  },

  /** When the next delivery of this tenant is due (a pending one's time, or a running claim's end), or null. */
  async nextDue(db: SqlSession): Promise<number | null> {
    const rows = await db.query<{ p: number | string | null; s: number | string | null }>(
      "SELECT (SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending') AS p, (SELECT MIN(claim_until) FROM webhook_deliveries WHERE status = 'sending') AS s",
    );
    const times = [rows[0]?.p, rows[0]?.s].filter((v) => v !== null && v !== undefined).map(Number);
    return times.length ? Math.min(...times) : null;
  },

  /**
   * Takes one delivery for a redelivery or a ping, whatever its state unless it is being sent: a
   * conditional update to `sending`, so no two requests or nodes send it at once. Returns the claimed
   * row, or null when it is being sent.
   */
  async claimIdle(db: SqlSession, id: string, token: string, until: number, now: number): Promise<DeliveryRecord | null> {
    const changed = await db.run(
      `UPDATE webhook_deliveries SET status = 'sending', claim_token = ?, claim_until = ?, attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND (status IN ('pending', 'delivered', 'failed') OR (status = 'sending' AND claim_until < ?))`,
      [token, until, now, id, now],
    );
    if (changed !== 1) return null;
    const rows = await db.query('SELECT * FROM webhook_deliveries WHERE id = ? AND claim_token = ?', [id, token]);
    return rows[0] ? deliveryFromRow(rows[0]) : null;
  },

  /**
   * Records an attempt and the delivery's new state, if the claim is still ours (a claim that ran out
   * and was taken by another node leaves the row to that node; the attempt is logged either way).
   */
  async complete(
    db: SqlSession,
    d: DeliveryRecord,
    outcome: { kind: AttemptKind; startedAt: number; status: DeliveryStatus; nextAttemptAt: number | null; responseStatus: number | null; responseMs: number; error: string | null },
    now: number,
  ): Promise<boolean> {
    return db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO webhook_delivery_attempts (delivery_id, attempt, kind, started_at, response_status, response_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, attempt) DO NOTHING',
        [d.id, d.attempts, outcome.kind, outcome.startedAt, outcome.responseStatus, outcome.responseMs, outcome.error?.slice(0, 500) ?? null],
      );
      const changed = await tx.run(
        `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, claim_token = NULL, claim_until = NULL, response_status = ?, response_ms = ?, error = ?, updated_at = ?
         WHERE id = ? AND claim_token = ?`,
        [outcome.status, outcome.nextAttemptAt, outcome.responseStatus, outcome.responseMs, outcome.error?.slice(0, 500) ?? null, now, d.id, d.claimToken],
      );
      return changed === 1;
    });
  },

  /** A claimed delivery not sent after all (its webhook was disabled meanwhile). */
  async abandon(db: SqlSession, d: DeliveryRecord, error: string, now: number): Promise<void> {
    await db.run("UPDATE webhook_deliveries SET status = 'failed', attempts = attempts - 1, next_attempt_at = NULL, claim_token = NULL, claim_until = NULL, error = ?, updated_at = ? WHERE id = ? AND claim_token = ?", [error, now, d.id, d.claimToken]);
  },

  /** The pending deliveries of a webhook that was disabled: they will not be sent (a redelivery still can). */
  async cancelPending(db: SqlSession, webhookId: string, error: string, now: number): Promise<void> {
    await db.run("UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, error = ?, updated_at = ? WHERE webhook_id = ? AND status = 'pending'", [error, now, webhookId]);
  },
};
