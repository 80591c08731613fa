import type { SqlSession } from '@dogan/tenants';

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'manual';

export interface SuppressionRecord {
  /** Lower case (`addressKey`). */
  readonly address: string;
  readonly reason: SuppressionReason;
  readonly detail: string | null;
  /** `smtp` (a 5xx at RCPT), `provider` (the bounce intake), `api`. */
  readonly source: string;
  readonly createdAt: number;
}

type Row = { address: string; reason: string; detail: string | null; source: string; created_at: number | string };
const fromRow = (r: Row): SuppressionRecord => ({ address: r.address, reason: r.reason as SuppressionReason, detail: r.detail ?? null, source: r.source, createdAt: Number(r.created_at) });

/** The `email_suppressions` table of one tenant database: addresses never sent to again. */
export const SuppressionStore = {
  async list(db: SqlSession, limit: number, offset: number): Promise<{ items: SuppressionRecord[]; total: number }> {
    const total = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM email_suppressions');
    const rows = await db.query<Row>('SELECT * FROM email_suppressions ORDER BY created_at DESC, address LIMIT ? OFFSET ?', [limit, offset]);
    return { items: rows.map(fromRow), total: Number(total[0]?.n ?? 0) };
  },

  async get(db: SqlSession, address: string): Promise<SuppressionRecord | null> {
    const rows = await db.query<Row>('SELECT * FROM email_suppressions WHERE address = ?', [address]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  /** Which of `addresses` (lower case) are suppressed. */
  async among(db: SqlSession, addresses: readonly string[]): Promise<Set<string>> {
    if (addresses.length === 0) return new Set();
    const rows = await db.query<{ address: string }>(`SELECT address FROM email_suppressions WHERE address IN (${addresses.map(() => '?').join(', ')})`, [...addresses]);
    return new Set(rows.map((r) => r.address));
  },

  /** Adds an address; an address already listed keeps its first reason. True when it was added. */
  async add(db: SqlSession, s: Omit<SuppressionRecord, 'createdAt'>, now: number): Promise<boolean> {
    const added = await db.run('INSERT INTO email_suppressions (address, reason, detail, source, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (address) DO NOTHING', [
      s.address,
      s.reason,
      s.detail?.slice(0, 500) ?? null,
      s.source,
      now,
    ]);
    return added > 0;
  },

  async remove(db: SqlSession, address: string): Promise<boolean> {
    return (await db.run('DELETE FROM email_suppressions WHERE address = ?', [address])) > 0;
  },
};
