import type { SqlSession } from '@dogan/tenants';
import type { EmailStatus } from '../email-api.js';
import type { Locale } from './template-store.js';

/** A message as stored: rendered, with its queue state. */
export interface MessageRecord {
  readonly id: string;
  readonly status: EmailStatus;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  /** Recipients left out because they were on the suppression list (when queued or when sent). */
  readonly suppressed: readonly string[];
  readonly replyTo: string | null;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly template: string | null;
  readonly locale: Locale;
  readonly source: string | null;
  readonly idempotencyKey: string | null;
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly claimToken: string | null;
  readonly claimUntil: number | null;
  readonly lastAttemptAt: number | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorMessage: string | null;
  readonly messageId: string | null;
  readonly createdAt: number;
  readonly sentAt: number | null;
  readonly updatedAt: number;
}

export type NewMessage = Pick<MessageRecord, 'id' | 'status' | 'to' | 'cc' | 'suppressed' | 'replyTo' | 'subject' | 'html' | 'text' | 'template' | 'locale' | 'source' | 'idempotencyKey'> & {
  readonly lastErrorCode?: string | null;
  readonly lastErrorMessage?: string | null;
};

/** How an attempt ended, as the queue records it. */
export type AttemptOutcome =
  | { readonly kind: 'sent'; readonly messageId: string; readonly suppressed?: readonly string[]; readonly note?: { code: string; message: string } }
  | { readonly kind: 'retry'; readonly at: number; readonly code: string; readonly message: string }
  | { readonly kind: 'failed' | 'suppressed'; readonly code: string; readonly message: string; readonly suppressed?: readonly string[] };

export interface MessageQuery {
  readonly status?: EmailStatus;
  readonly limit: number;
  readonly offset: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
const list = (v: unknown) => JSON.parse(String(v ?? '[]')) as string[];

function fromRow(r: Row): MessageRecord {
  return {
    id: String(r.id),
    status: String(r.status) as EmailStatus,
    to: list(r.to_addresses),
    cc: list(r.cc_addresses),
    suppressed: list(r.suppressed_addresses),
    replyTo: text(r.reply_to),
    subject: String(r.subject),
    html: String(r.html),
    text: String(r.body_text),
    template: text(r.template),
    locale: String(r.locale) as Locale,
    source: text(r.source),
    idempotencyKey: text(r.idempotency_key),
    attempts: Number(r.attempts),
    nextAttemptAt: num(r.next_attempt_at),
    claimToken: text(r.claim_token),
    claimUntil: num(r.claim_until),
    lastAttemptAt: num(r.last_attempt_at),
    lastErrorCode: text(r.last_error_code),
    lastErrorMessage: text(r.last_error_message),
    messageId: text(r.message_id),
    createdAt: Number(r.created_at),
    sentAt: num(r.sent_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Due: queued and its time has come, or being sent by a node whose claim ran out (it died mid-send). */
const DUE = "((status = 'queued' AND next_attempt_at <= ?) OR (status = 'sending' AND claim_until < ?))";

/** The `email_messages` table of one tenant database: the record of every message, and the queue. */
export const MessageStore = {
  /** Inserts a message; false when its idempotency key is taken (the first message stands). */
  async insert(db: SqlSession, m: NewMessage, now: number): Promise<boolean> {
    const inserted = await db.run(
      `INSERT INTO email_messages (id, status, to_addresses, cc_addresses, suppressed_addresses, reply_to, subject, html, body_text, template, locale, source, idempotency_key,
       next_attempt_at, last_error_code, last_error_message, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        m.id,
        m.status,
        JSON.stringify(m.to),
        JSON.stringify(m.cc),
        JSON.stringify(m.suppressed),
        m.replyTo,
        m.subject,
        m.html,
        m.text,
        m.template,
        m.locale,
        m.source,
        m.idempotencyKey,
        m.status === 'queued' ? now : null,
        m.lastErrorCode ?? null,
        m.lastErrorMessage ?? null,
        now,
        now,
      ],
    );
    return inserted > 0;
  },

  async get(db: SqlSession, id: string): Promise<MessageRecord | null> {
    const rows = await db.query('SELECT * FROM email_messages WHERE id = ?', [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  async byKey(db: SqlSession, key: string): Promise<MessageRecord | null> {
    const rows = await db.query('SELECT * FROM email_messages WHERE idempotency_key = ?', [key]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  async list(db: SqlSession, q: MessageQuery): Promise<{ items: MessageRecord[]; total: number }> {
    const where = q.status ? 'WHERE status = ?' : '';
    const params = q.status ? [q.status] : [];
    const total = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM email_messages ${where}`, params);
    const rows = await db.query(`SELECT * FROM email_messages ${where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`, [...params, q.limit, q.offset]);
    return { items: rows.map(fromRow), total: Number(total[0]?.n ?? 0) };
  },

  /**
   * Takes up to `limit` due messages for one attempt each on this node: a conditional update to
   * `sending` under a fresh token, so of two nodes only one gets a message, and counts the attempt.
   */
  async claimDue(db: SqlSession, limit: number, token: string, until: number, now: number): Promise<MessageRecord[]> {
    if (limit <= 0) return [];
    const rows = await db.query(
      `UPDATE email_messages SET status = 'sending', claim_token = ?, claim_until = ?, attempts = attempts + 1, last_attempt_at = ?, updated_at = ?
       WHERE id IN (SELECT id FROM email_messages WHERE ${DUE} ORDER BY next_attempt_at, created_at LIMIT ?) AND ${DUE} RETURNING *`,
      [token, until, now, now, now, now, limit, now, now],
    );
    return rows.map(fromRow);
  },

  /** When the tenant's next message is due (a queued one's time, or a running claim's end), or null. */
  async nextDue(db: SqlSession): Promise<number | null> {
    const rows = await db.query<{ q: number | string | null; s: number | string | null }>(
      "SELECT (SELECT MIN(next_attempt_at) FROM email_messages WHERE status = 'queued') AS q, (SELECT MIN(claim_until) FROM email_messages WHERE status = 'sending') AS s",
    );
    const times = [rows[0]?.q, rows[0]?.s].filter((v) => v !== null && v !== undefined).map(Number);
    return times.length ? Math.min(...times) : null;
  },

  /** Attempts started since `since`, and the earliest of them: the tenant's rate window. */
  async attemptsSince(db: SqlSession, since: number): Promise<{ count: number; earliest: number | null }> {
    const rows = await db.query<{ n: number | string; e: number | string | null }>('SELECT COUNT(*) AS n, MIN(last_attempt_at) AS e FROM email_messages WHERE last_attempt_at >= ?', [since]);
    return { count: Number(rows[0]?.n ?? 0), earliest: num(rows[0]?.e) };
  },

  /** Messages recorded since `since` whose source starts with `prefix` (a module's daily count). */
  async countFromSource(db: SqlSession, prefix: string, since: number): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM email_messages WHERE created_at >= ? AND source LIKE ?', [since, `${prefix}%`]);
    return Number(rows[0]?.n ?? 0);
  },

  /** Records an attempt's outcome if the claim is still this node's (a claim that ran out belongs to whoever took it next). */
  async complete(db: SqlSession, id: string, token: string, outcome: AttemptOutcome, now: number): Promise<boolean> {
    const release = 'claim_token = NULL, claim_until = NULL, updated_at = ?';
    let changed: number;
    if (outcome.kind === 'sent') {
      changed = await db.run(
        `UPDATE email_messages SET status = 'sent', message_id = ?, sent_at = ?, next_attempt_at = NULL, last_error_code = ?, last_error_message = ?,
         suppressed_addresses = COALESCE(?, suppressed_addresses), ${release} WHERE id = ? AND claim_token = ?`,
        [outcome.messageId, now, outcome.note?.code ?? null, outcome.note?.message.slice(0, 500) ?? null, outcome.suppressed ? JSON.stringify(outcome.suppressed) : null, now, id, token],
      );
    } else if (outcome.kind === 'retry') {
      changed = await db.run(`UPDATE email_messages SET status = 'queued', next_attempt_at = ?, last_error_code = ?, last_error_message = ?, ${release} WHERE id = ? AND claim_token = ?`, [
        outcome.at,
        outcome.code,
        outcome.message.slice(0, 500),
        now,
        id,
        token,
      ]);
    } else {
      changed = await db.run(
        `UPDATE email_messages SET status = ?, next_attempt_at = NULL, last_error_code = ?, last_error_message = ?, suppressed_addresses = COALESCE(?, suppressed_addresses), ${release}
         WHERE id = ? AND claim_token = ?`,
        [outcome.kind, outcome.code, outcome.message.slice(0, 500), outcome.suppressed ? JSON.stringify(outcome.suppressed) : null, now, id, token],
      );
    }
    return changed === 1;
  },
};
