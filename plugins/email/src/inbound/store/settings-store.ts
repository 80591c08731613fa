import type { SqlSession } from '@dogan/tenants';

/** The tenant's intake settings (one row): the inbound secret as a SHA-256 hash, and what was received. */
export interface InboundSettingsRecord {
  readonly secretHash: string | null;
  readonly secretHint: string | null;
  readonly secretRotatedAt: number | null;
  readonly receivedCount: number;
  readonly lastReceivedAt: number | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The `email_inbound_settings` table: one row, id 1, made when the first secret is. */
export const SettingsStore = {
  async get(db: SqlSession): Promise<InboundSettingsRecord | null> {
    const r = (await db.query('SELECT secret_hash, secret_hint, secret_rotated_at, received_count, last_received_at FROM email_inbound_settings WHERE id = 1'))[0];
    if (!r) return null;
    return {
      secretHash: (r.secret_hash as string | null) ?? null,
      secretHint: (r.secret_hint as string | null) ?? null,
      secretRotatedAt: num(r.secret_rotated_at),
      receivedCount: Number(r.received_count),
      lastReceivedAt: num(r.last_received_at),
    };
  },

  async setSecret(db: SqlSession, hash: string, hint: string, now: number): Promise<void> {
    await db.run(
      `INSERT INTO email_inbound_settings (id, secret_hash, secret_hint, secret_rotated_at, received_count, created_at, updated_at) VALUES (1, ?, ?, ?, 0, ?, ?)
       ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash, secret_hint = excluded.secret_hint, secret_rotated_at = excluded.secret_rotated_at, updated_at = excluded.updated_at`,
      [hash, hint, now, now, now],
    );
  },

  async noteReceived(db: SqlSession, now: number): Promise<void> {
    await db.run('UPDATE email_inbound_settings SET received_count = received_count + 1, last_received_at = ? WHERE id = 1', [now]);
  },
};
