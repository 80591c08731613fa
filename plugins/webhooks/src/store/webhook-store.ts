import type { SqlSession } from '@dogan/tenants';

/** A webhook as stored; `secret` and `previousSecret` are ciphertext of the platform secret box. */
export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: string[];
  readonly enabled: boolean;
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretUntil: number | null;
  readonly consecutiveFailures: number;
  readonly failingSince: number | null;
  readonly disabledReason: string | null;
  readonly disabledAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function webhookFromRow(r: Row): WebhookRecord {
  return {
    id: String(r.id),
    url: String(r.url),
    description: String(r.description),
    eventTypes: JSON.parse(String(r.event_types)) as string[],
    enabled: Number(r.enabled) === 1,
    secret: String(r.secret),
    previousSecret: (r.previous_secret as string | null) ?? null,
    previousSecretUntil: num(r.previous_secret_until),
    consecutiveFailures: Number(r.consecutive_failures),
    failingSince: num(r.failing_since),
    disabledReason: (r.disabled_reason as string | null) ?? null,
    disabledAt: num(r.disabled_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export interface WebhookChanges {
  url?: string;
  description?: string;
  eventTypes?: string[];
  enabled?: boolean;
}

/** The `webhooks` table of one tenant database. */
export const WebhookStore = {
  async count(db: SqlSession): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM webhooks');
    return Number(rows[0]?.n ?? 0);
  },

  async list(db: SqlSession): Promise<WebhookRecord[]> {
    return (await db.query('SELECT * FROM webhooks ORDER BY created_at, id')).map(webhookFromRow);
  },

  async get(db: SqlSession, id: string): Promise<WebhookRecord | null> {
    const rows = await db.query('SELECT * FROM webhooks WHERE id = ?', [id]);
    return rows[0] ? webhookFromRow(rows[0]) : null;
  },

  /** The enabled webhooks' ids and subscriptions: what each event is matched against. */
  async subscriptions(db: SqlSession): Promise<Array<{ id: string; eventTypes: string[] }>> {
    const rows = await db.query<{ id: string; event_types: string }>('SELECT id, event_types FROM webhooks WHERE enabled = 1');
    return rows.map((r) => ({ id: r.id, eventTypes: JSON.parse(r.event_types) as string[] }));
  },

  async insert(db: SqlSession, w: Pick<WebhookRecord, 'id' | 'url' | 'description' | 'eventTypes' | 'enabled' | 'secret'>, now: number): Promise<void> {
    await db.run(
      'INSERT INTO webhooks (id, url, description, event_types, enabled, secret, consecutive_failures, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)',
      [w.id, w.url, w.description, JSON.stringify(w.eventTypes), w.enabled ? 1 : 0, w.secret, now, now],
    );
  },

  /** Applies changes; enabling (again) forgets the failures that disabled it. */
  async update(db: SqlSession, id: string, changes: WebhookChanges, now: number): Promise<void> {
    const sets: string[] = ['updated_at = ?'];
    const params: Array<string | number | null> = [now];
    const set = (column: string, value: string | number) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (changes.url !== undefined) set('url', changes.url);
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.eventTypes !== undefined) set('event_types', JSON.stringify(changes.eventTypes));
    if (changes.enabled !== undefined) set('enabled', changes.enabled ? 1 : 0);
    if (changes.enabled) sets.push('consecutive_failures = 0', 'failing_since = NULL', 'disabled_reason = NULL', 'disabled_at = NULL');
    await db.run(`UPDATE webhooks SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  },

  async rotateSecret(db: SqlSession, id: string, secret: string, previous: string | null, previousUntil: number | null, now: number): Promise<void> {
    await db.run('UPDATE webhooks SET secret = ?, previous_secret = ?, previous_secret_until = ?, updated_at = ? WHERE id = ?', [secret, previous, previousUntil, now, id]);
  },

  async delete(db: SqlSession, id: string): Promise<number> {
    return db.transaction(async (tx) => {
      await tx.run('DELETE FROM webhook_delivery_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ?)', [id]);
      await tx.run('DELETE FROM webhook_deliveries WHERE webhook_id = ?', [id]);
      return tx.run('DELETE FROM webhooks WHERE id = ?', [id]);
    });
  },

  /** A delivery succeeded: the webhook is healthy again. */
  async recordSuccess(db: SqlSession, id: string): Promise<void> {
    await db.run('UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL WHERE id = ? AND (consecutive_failures <> 0 OR failing_since IS NOT NULL)', [id]);
  },

  /** An attempt failed (`exhausted`: the delivery's last one): counts towards disabling it. */
  async recordFailure(db: SqlSession, id: string, exhausted: boolean, now: number): Promise<WebhookRecord | null> {
    await db.run('UPDATE webhooks SET failing_since = COALESCE(failing_since, ?), consecutive_failures = consecutive_failures + ? WHERE id = ?', [now, exhausted ? 1 : 0, id]);
    return WebhookStore.get(db, id);
  },

  /** Disables a webhook that is enabled; false when it was not (another node did it first). */
  async disable(db: SqlSession, id: string, reason: string, now: number): Promise<boolean> {
    const changed = await db.run('UPDATE webhooks SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id = ? AND enabled = 1', [reason, now, now, id]);
    return changed === 1;
  },
};
