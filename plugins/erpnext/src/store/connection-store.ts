import type { SqlSession } from '@dogan/tenants';

/** A connection as stored: `apiKey` and `apiSecret` are secret-box ciphertext. */
export interface ConnectionRecord {
  readonly name: string;
  readonly baseUrl: string;
  readonly siteName: string | null;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly apiKeyHint: string;
  readonly isDefault: boolean;
  readonly healthStatus: 'unknown' | 'ok' | 'failing';
  readonly healthCheckedAt: number | null;
  readonly healthUser: string | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorMessage: string | null;
  readonly lastErrorAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

function fromRow(r: Row): ConnectionRecord {
  return {
    name: String(r.name),
    baseUrl: String(r.base_url),
    siteName: text(r.site_name),
    apiKey: String(r.api_key),
    apiSecret: String(r.api_secret),
    apiKeyHint: String(r.api_key_hint),
    isDefault: Number(r.is_default) === 1,
    healthStatus: String(r.health_status) as ConnectionRecord['healthStatus'],
    healthCheckedAt: num(r.health_checked_at),
    healthUser: text(r.health_user),
    lastErrorCode: text(r.last_error_code),
    lastErrorMessage: text(r.last_error_message),
    lastErrorAt: num(r.last_error_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** What a save writes; health is what the verification just found (or `unknown` when not verified). */
export interface ConnectionWrite {
  readonly name: string;
  readonly baseUrl: string;
  readonly siteName: string | null;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly apiKeyHint: string;
  readonly makeDefault: boolean;
  readonly healthStatus: 'unknown' | 'ok';
  readonly healthUser: string | null;
}

/** The `erpnext_connections` table of one tenant database. */
export const ConnectionStore = {
  async list(db: SqlSession): Promise<ConnectionRecord[]> {
    return (await db.query('SELECT * FROM erpnext_connections ORDER BY created_at, name')).map(fromRow);
  },

  async get(db: SqlSession, name: string): Promise<ConnectionRecord | null> {
    const rows = await db.query('SELECT * FROM erpnext_connections WHERE name = ?', [name]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  async getDefault(db: SqlSession): Promise<ConnectionRecord | null> {
    const rows = await db.query('SELECT * FROM erpnext_connections WHERE is_default = 1 ORDER BY created_at LIMIT 1');
    return rows[0] ? fromRow(rows[0]) : null;
  },

  async count(db: SqlSession): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM erpnext_connections');
    return Number(rows[0]?.n ?? 0);
  },

  /** Inserts or replaces a connection in one transaction; the first connection, or one saved as default, becomes the only default. */
  async save(db: SqlSession, w: ConnectionWrite, now: number): Promise<void> {
    await db.transaction(async (tx) => {
      const existing = await ConnectionStore.get(tx, w.name);
      const others = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM erpnext_connections WHERE name <> ? AND is_default = 1', [w.name]);
      const isDefault = w.makeDefault || (existing?.isDefault ?? false) || Number(others[0]?.n ?? 0) === 0;
      if (isDefault) await tx.run('UPDATE erpnext_connections SET is_default = 0 WHERE name <> ? AND is_default = 1', [w.name]);
      const checkedAt = w.healthStatus === 'ok' ? now : null;
      if (existing) {
        await tx.run(
          `UPDATE erpnext_connections SET base_url = ?, site_name = ?, api_key = ?, api_secret = ?, api_key_hint = ?, is_default = ?, health_status = ?,
           health_checked_at = ?, health_user = ?, last_error_code = NULL, last_error_message = NULL, last_error_at = NULL, updated_at = ? WHERE name = ?`,
          [w.baseUrl, w.siteName, w.apiKey, w.apiSecret, w.apiKeyHint, isDefault ? 1 : 0, w.healthStatus, checkedAt, w.healthUser, now, w.name],
        );
      } else {
        await tx.run(
          `INSERT INTO erpnext_connections (name, base_url, site_name, api_key, api_secret, api_key_hint, is_default, health_status, health_checked_at, health_user, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [w.name, w.baseUrl, w.siteName, w.apiKey, w.apiSecret, w.apiKeyHint, isDefault ? 1 : 0, w.healthStatus, checkedAt, w.healthUser, now, now],
        );
      }
    });
  },

  async recordHealthy(db: SqlSession, name: string, user: string, now: number): Promise<void> {
    await db.run("UPDATE erpnext_connections SET health_status = 'ok', health_checked_at = ?, health_user = ? WHERE name = ?", [now, user, name]);
  },

  /** A failure that is the site's or the connection's (unreachable, refused credentials), not one document's. */
  async recordFailure(db: SqlSession, name: string, code: string, message: string, now: number): Promise<void> {
    await db.run("UPDATE erpnext_connections SET health_status = 'failing', health_checked_at = ?, last_error_code = ?, last_error_message = ?, last_error_at = ? WHERE name = ?", [
      now,
      code.slice(0, 64),
      message.slice(0, 500),
      now,
      name,
    ]);
  },

  /** Removes a connection and everything that uses it (its hooks, syncs, runs and receipts); the oldest remaining becomes the default. */
  async remove(db: SqlSession, name: string): Promise<boolean> {
    return db.transaction(async (tx) => {
      const removed = await tx.run('DELETE FROM erpnext_connections WHERE name = ?', [name]);
      if (removed === 0) return false;
      for (const table of ['erpnext_hooks', 'erpnext_syncs', 'erpnext_sync_runs', 'erpnext_receipts']) await tx.run(`DELETE FROM ${table} WHERE connection = ?`, [name]);
      const left = await tx.query<{ name: string }>('SELECT name FROM erpnext_connections WHERE is_default = 1');
      if (left.length === 0) {
        await tx.run('UPDATE erpnext_connections SET is_default = 1 WHERE name = (SELECT name FROM erpnext_connections ORDER BY created_at, name LIMIT 1)');
      }
      return true;
    });
  },
};
