import type { SqlSession } from '@dogan/tenants';

export type SmtpSecurity = 'tls' | 'starttls' | 'none';

/** The tenant's SMTP server; `password` is secret-box ciphertext. */
export interface StoredSmtp {
  readonly host: string;
  readonly port: number;
  readonly security: SmtpSecurity;
  readonly username: string | null;
  readonly password: string | null;
}

/** The tenant's email settings as stored (one row). */
export interface SettingsRecord {
  readonly smtp: StoredSmtp | null;
  readonly fromAddress: string | null;
  readonly fromName: string | null;
  readonly replyTo: string | null;
  /** Where the platform's notices to the tenant (billing, webhooks) go. */
  readonly noticeAddress: string | null;
  /** Domains the tenant says are its own; with none, those of its sender and notice addresses. */
  readonly ownDomains: readonly string[];
  readonly intakeSecretHash: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type SettingsWrite = Omit<SettingsRecord, 'createdAt' | 'updatedAt'>;

type Row = Record<string, unknown>;
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

function fromRow(r: Row): SettingsRecord {
  const host = text(r.smtp_host);
  return {
    smtp: host
      ? { host, port: Number(r.smtp_port), security: String(r.smtp_security) as SmtpSecurity, username: text(r.smtp_username), password: text(r.smtp_password) }
      : null,
    fromAddress: text(r.from_address),
    fromName: text(r.from_name),
    replyTo: text(r.reply_to),
    noticeAddress: text(r.notice_address),
    ownDomains: JSON.parse(String(r.own_domains ?? '[]')) as string[],
    intakeSecretHash: text(r.intake_secret_hash),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The `email_settings` table of one tenant database: one row, id 1. */
export const SettingsStore = {
  async get(db: SqlSession): Promise<SettingsRecord | null> {
    const rows = await db.query('SELECT * FROM email_settings WHERE id = 1');
    return rows[0] ? fromRow(rows[0]) : null;
  },

  /** Writes the whole row; `updated_at` always moves forward, so caches keyed on it see the change. */
  async put(db: SqlSession, w: SettingsWrite, now: number): Promise<void> {
    const s = w.smtp;
    await db.run(
      `INSERT INTO email_settings (id, smtp_host, smtp_port, smtp_security, smtp_username, smtp_password, from_address, from_name, reply_to, notice_address, own_domains, intake_secret_hash, created_at, updated_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port, smtp_security = excluded.smtp_security, smtp_username = excluded.smtp_username,
         smtp_password = excluded.smtp_password, from_address = excluded.from_address, from_name = excluded.from_name, reply_to = excluded.reply_to, notice_address = excluded.notice_address,
         own_domains = excluded.own_domains, intake_secret_hash = excluded.intake_secret_hash,
         updated_at = CASE WHEN excluded.updated_at > email_settings.updated_at THEN excluded.updated_at ELSE email_settings.updated_at + 1 END`,
      [
        s?.host ?? null,
        s?.port ?? null,
        s?.security ?? null,
        s?.username ?? null,
        s?.password ?? null,
        w.fromAddress,
        w.fromName,
        w.replyTo,
        w.noticeAddress,
        JSON.stringify(w.ownDomains),
        w.intakeSecretHash,
        now,
        now,
      ],
    );
  },

  async remove(db: SqlSession): Promise<boolean> {
    return (await db.run('DELETE FROM email_settings WHERE id = 1')) > 0;
  },
};
