import type { TenantMigration } from '@dogan/runtime';
import type { SqlSession } from '@dogan/tenants';
import type { LlmProviderKind } from './provider.js';

/**
 * A tenant's LLM profiles, in its own database: which provider, model and endpoint its agents use,
 * with which key (secret-box ciphertext), and at what price per million tokens for its cost budgets.
 * Times are epoch milliseconds (bigint): the same SQL on SQLite and PostgreSQL.
 */
export const llmMigrations: TenantMigration[] = [
  {
    name: '0002-llm-profiles',
    async up({ execute }) {
      await execute(`CREATE TABLE agents_llm_profiles (
        name varchar(64) PRIMARY KEY,
        kind varchar(16) NOT NULL,
        model varchar(200) NOT NULL,
        base_url varchar(2048) NOT NULL,
        api_key text NULL,
        api_key_hint varchar(8) NULL,
        input_halalas_per_million bigint NOT NULL,
        output_halalas_per_million bigint NOT NULL,
        is_default integer NOT NULL,
        health_status varchar(12) NOT NULL,
        health_checked_at bigint NULL,
        last_error_code varchar(64) NULL,
        last_error_message varchar(500) NULL,
        last_error_at bigint NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
    },
  },
];

/** A profile as stored: `apiKey` is secret-box ciphertext, or null for a local provider without one. */
export interface LlmProfileRecord {
  readonly name: string;
  readonly kind: LlmProviderKind;
  readonly model: string;
  readonly baseUrl: string;
  readonly apiKey: string | null;
  readonly apiKeyHint: string | null;
  readonly inputHalalasPerMillion: number;
  readonly outputHalalasPerMillion: number;
  readonly isDefault: boolean;
  readonly healthStatus: 'unknown' | 'ok' | 'failing';
  readonly healthCheckedAt: number | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorMessage: string | null;
  readonly lastErrorAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What a save writes; a changed profile's health starts again from unknown. */
export interface LlmProfileWrite {
  readonly name: string;
  readonly kind: LlmProviderKind;
  readonly model: string;
  readonly baseUrl: string;
  readonly apiKey: string | null;
  readonly apiKeyHint: string | null;
  readonly inputHalalasPerMillion: number;
  readonly outputHalalasPerMillion: number;
  readonly makeDefault: boolean;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

function fromRow(r: Row): LlmProfileRecord {
  return {
    name: String(r.name),
    kind: String(r.kind) as LlmProviderKind,
    model: String(r.model),
    baseUrl: String(r.base_url),
    apiKey: text(r.api_key),
    apiKeyHint: text(r.api_key_hint),
    inputHalalasPerMillion: Number(r.input_halalas_per_million),
    outputHalalasPerMillion: Number(r.output_halalas_per_million),
    isDefault: Number(r.is_default) === 1,
    healthStatus: String(r.health_status) as LlmProfileRecord['healthStatus'],
    healthCheckedAt: num(r.health_checked_at),
    lastErrorCode: text(r.last_error_code),
    lastErrorMessage: text(r.last_error_message),
    lastErrorAt: num(r.last_error_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The `agents_llm_profiles` table of one tenant database. */
export const LlmProfileStore = {
  async list(db: SqlSession): Promise<LlmProfileRecord[]> {
    return (await db.query('SELECT * FROM agents_llm_profiles ORDER BY created_at, name')).map(fromRow);
  },

  async get(db: SqlSession, name: string): Promise<LlmProfileRecord | null> {
    const rows = await db.query('SELECT * FROM agents_llm_profiles WHERE name = ?', [name]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  async getDefault(db: SqlSession): Promise<LlmProfileRecord | null> {
    const rows = await db.query('SELECT * FROM agents_llm_profiles WHERE is_default = 1 ORDER BY created_at LIMIT 1');
    return rows[0] ? fromRow(rows[0]) : null;
  },

  async count(db: SqlSession): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM agents_llm_profiles');
    return Number(rows[0]?.n ?? 0);
  },

  /**
   * Inserts or replaces a profile in one transaction; the first profile, or one saved as default,
   * becomes the only default. `onlyNew` refuses (answers false) when the name is taken.
   */
  async save(db: SqlSession, w: LlmProfileWrite, now: number, options: { onlyNew?: boolean } = {}): Promise<boolean> {
    return db.transaction(async (tx) => {
      const existing = await LlmProfileStore.get(tx, w.name);
      if (existing && options.onlyNew) return false;
      const others = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM agents_llm_profiles WHERE name <> ? AND is_default = 1', [w.name]);
      const isDefault = w.makeDefault || (existing?.isDefault ?? false) || Number(others[0]?.n ?? 0) === 0;
      if (isDefault) await tx.run('UPDATE agents_llm_profiles SET is_default = 0 WHERE name <> ? AND is_default = 1', [w.name]);
      const values = [w.kind, w.model, w.baseUrl, w.apiKey, w.apiKeyHint, w.inputHalalasPerMillion, w.outputHalalasPerMillion, isDefault ? 1 : 0];
      if (existing) {
        await tx.run(
          `UPDATE agents_llm_profiles SET kind = ?, model = ?, base_url = ?, api_key = ?, api_key_hint = ?, input_halalas_per_million = ?, output_halalas_per_million = ?,
           is_default = ?, health_status = 'unknown', health_checked_at = NULL, last_error_code = NULL, last_error_message = NULL, last_error_at = NULL, updated_at = ? WHERE name = ?`,
          [...values, now, w.name],
        );
      } else {
        await tx.run(
          `INSERT INTO agents_llm_profiles (name, kind, model, base_url, api_key, api_key_hint, input_halalas_per_million, output_halalas_per_million, is_default, health_status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'unknown', ?, ?)`,
          [w.name, ...values, now, now],
        );
      }
      return true;
    });
  },

  async recordHealthy(db: SqlSession, name: string, now: number): Promise<void> {
    await db.run("UPDATE agents_llm_profiles SET health_status = 'ok', health_checked_at = ? WHERE name = ?", [now, name]);
  },

  async recordFailure(db: SqlSession, name: string, code: string, message: string, now: number): Promise<void> {
    await db.run("UPDATE agents_llm_profiles SET health_status = 'failing', health_checked_at = ?, last_error_code = ?, last_error_message = ?, last_error_at = ? WHERE name = ?", [
      now,
      code.slice(0, 64),
      message.slice(0, 500),
      now,
      name,
    ]);
  },

  /** Removes a profile; when it was the default, the oldest remaining becomes the default. */
  async remove(db: SqlSession, name: string): Promise<boolean> {
    return db.transaction(async (tx) => {
      const removed = await tx.run('DELETE FROM agents_llm_profiles WHERE name = ?', [name]);
      if (removed === 0) return false;
      const left = await tx.query('SELECT name FROM agents_llm_profiles WHERE is_default = 1');
      if (left.length === 0) {
        await tx.run('UPDATE agents_llm_profiles SET is_default = 1 WHERE name = (SELECT name FROM agents_llm_profiles ORDER BY created_at, name LIMIT 1)');
      }
      return true;
    });
  },
};
