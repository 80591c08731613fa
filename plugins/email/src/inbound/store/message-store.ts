import type { SqlSession } from '@dogan/tenants';
import type { MailAddress, MailProvider, ReceivedMail } from '../mail/received-mail.js';
import { sha256Hex } from '../mail/received-payload.js';

type Row = Record<string, unknown>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** A received mail as stored: its summary (the list) and, with `full`, its bodies. */
export interface StoredMessage {
  readonly id: string;
  readonly messageId: string | null;
  readonly source: 'webhook' | 'imap';
  readonly provider: MailProvider;
  readonly from: MailAddress | null;
  readonly to: MailAddress[];
  readonly cc: MailAddress[];
  readonly replyTo: MailAddress[];
  readonly subject: string;
  readonly date: number | null;
  readonly inReplyTo: string | null;
  readonly eventId: string;
  readonly attachmentCount: number;
  readonly sizeBytes: number;
  readonly receivedAt: number;
  readonly text?: string | null;
  readonly html?: string | null;
}

export interface StoredAttachment {
  readonly part: number;
  readonly filename: string | null;
  readonly contentType: string;
  readonly contentId: string | null;
  readonly size: number;
  readonly sha256: string;
}

const SUMMARY_COLUMNS = 'id, message_id, source, provider, from_address, from_name, recipients, subject, sent_at, in_reply_to, event_id, attachment_count, size_bytes, received_at';

function fromRow(r: Row, full: boolean): StoredMessage {
  const recipients = JSON.parse(String(r.recipients)) as { to: MailAddress[]; cc: MailAddress[]; replyTo: MailAddress[] };
  const from = r.from_address === null && r.from_name === null ? null : { address: (r.from_address as string | null) ?? null, name: (r.from_name as string | null) ?? null };
  return {
    id: String(r.id),
    messageId: (r.message_id as string | null) ?? null,
    source: r.source as 'webhook' | 'imap',
    provider: r.provider as MailProvider,
    from,
    to: recipients.to,
    cc: recipients.cc,
    replyTo: recipients.replyTo,
    subject: String(r.subject),
    date: num(r.sent_at),
    inReplyTo: (r.in_reply_to as string | null) ?? null,
    eventId: String(r.event_id),
    attachmentCount: Number(r.attachment_count),
    sizeBytes: Number(r.size_bytes),
    receivedAt: Number(r.received_at),
    ...(full ? { text: (r.text_body as string | null) ?? null, html: (r.html_body as string | null) ?? null } : {}),
  };
}

/** The receipt key of a mail: its Message-ID (hashed when longer than the column), else what else identifies it. */
export function dedupKey(mail: ReceivedMail): string {
  if (mail.messageId) return mail.messageId.length <= 200 ? `mid:${mail.messageId}` : `mid-sha256:${sha256Hex(Buffer.from(mail.messageId))}`;
  return mail.fallbackKey.slice(0, 255);
}

/** The `email_inbound_messages` and `email_inbound_attachments` tables of one tenant database. */
export const MessageStore = {
  /**
   * Claims the mail's receipt and stores it: true when it is new (and now stored), false when a mail
   * with the same key was received before. Run inside the transaction that publishes it.
   */
  async claim(db: SqlSession, m: { id: string; eventId: string; source: 'webhook' | 'imap'; mail: ReceivedMail }, now: number): Promise<boolean> {
    const { mail } = m;
    const changed = await db.run(
      `INSERT INTO email_inbound_messages (id, dedup_key, message_id, source, provider, from_address, from_name, recipients, subject, text_body, html_body, sent_at, in_reply_to, event_id, attachment_count, size_bytes, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`,
      [
        m.id,
        dedupKey(mail),
        mail.messageId,
        m.source,
        mail.provider,
        mail.from?.address ?? null,
        mail.from?.name ?? null,
        JSON.stringify({ to: mail.to, cc: mail.cc, replyTo: mail.replyTo }),
        mail.subject,
        mail.text,
        mail.html,
        mail.date?.getTime() ?? null,
        mail.inReplyTo,
        m.eventId,
        mail.attachments.length,
        mail.sizeBytes,
        now,
      ],
    );
    if (changed !== 1) return false;
    let part = 0;
    for (const a of mail.attachments) {
      part++;
      await db.run('INSERT INTO email_inbound_attachments (message_id, part, filename, content_type, content_id, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        m.id,
        part,
        a.filename?.slice(0, 255) ?? null,
        a.contentType.slice(0, 255),
        a.contentId?.slice(0, 255) ?? null,
        a.content.length,
        sha256Hex(a.content),
        a.content,
      ]);
    }
    return true;
  },

  /** Newest first; `before` is the cursor of the previous page (`<receivedAt>:<id>`). */
  async list(db: SqlSession, limit: number, before?: { receivedAt: number; id: string }): Promise<StoredMessage[]> {
    const rows = before
      ? await db.query(`SELECT ${SUMMARY_COLUMNS} FROM email_inbound_messages WHERE received_at < ? OR (received_at = ? AND id < ?) ORDER BY received_at DESC, id DESC LIMIT ?`, [
          before.receivedAt,
          before.receivedAt,
          before.id,
          limit,
        ])
      : await db.query(`SELECT ${SUMMARY_COLUMNS} FROM email_inbound_messages ORDER BY received_at DESC, id DESC LIMIT ?`, [limit]);
    return rows.map((r) => fromRow(r, false));
  },

  async findByKey(db: SqlSession, key: string): Promise<{ id: string; eventId: string } | null> {
    const r = (await db.query<{ id: string; event_id: string }>('SELECT id, event_id FROM email_inbound_messages WHERE dedup_key = ?', [key]))[0];
    return r ? { id: r.id, eventId: r.event_id } : null;
  },

  async count(db: SqlSession): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM email_inbound_messages');
    return Number(rows[0]?.n ?? 0);
  },

  async get(db: SqlSession, id: string): Promise<StoredMessage | null> {
    const rows = await db.query(`SELECT ${SUMMARY_COLUMNS}, text_body, html_body FROM email_inbound_messages WHERE id = ?`, [id]);
    return rows[0] ? fromRow(rows[0], true) : null;
  },

  async attachments(db: SqlSession, messageId: string): Promise<StoredAttachment[]> {
    const rows = await db.query('SELECT part, filename, content_type, content_id, size, sha256 FROM email_inbound_attachments WHERE message_id = ? ORDER BY part', [messageId]);
    return rows.map((r) => ({
      part: Number(r.part),
      filename: (r.filename as string | null) ?? null,
      contentType: String(r.content_type),
      contentId: (r.content_id as string | null) ?? null,
      size: Number(r.size),
      sha256: String(r.sha256),
    }));
  },

  async attachmentContent(db: SqlSession, messageId: string, part: number): Promise<(StoredAttachment & { content: Buffer }) | null> {
    const rows = await db.query('SELECT part, filename, content_type, content_id, size, sha256, content FROM email_inbound_attachments WHERE message_id = ? AND part = ?', [messageId, part]);
    const r = rows[0];
    if (!r) return null;
    const content = r.content;
    return {
      part: Number(r.part),
      filename: (r.filename as string | null) ?? null,
      contentType: String(r.content_type),
      contentId: (r.content_id as string | null) ?? null,
      size: Number(r.size),
      sha256: String(r.sha256),
      content: Buffer.isBuffer(content) ? content : Buffer.from(content as Uint8Array),
    };
  },
};
