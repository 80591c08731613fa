import type { SqlSession } from '@dogan/tenants';

/** A tenant's IMAP mailbox as stored; `password` is secret-box ciphertext. */
export interface ImapMailboxRecord {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly username: string;
  readonly password: string;
  readonly mailbox: string;
  readonly enabled: boolean;
  /** The mailbox's UIDVALIDITY when `lastUid` was read; another value means every UID is new. */
  readonly uidValidity: number | null;
  /** The highest UID taken (recorded, or skipped as too large) under `uidValidity`. */
  readonly lastUid: number;
  readonly lastPollAt: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
  /** Polls that failed in a row: the next poll waits longer after each. */
  readonly failures: number;
  readonly receivedCount: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type ImapSettings = Pick<ImapMailboxRecord, 'host' | 'port' | 'secure' | 'username' | 'password' | 'mailbox' | 'enabled'>;

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function fromRow(r: Row): ImapMailboxRecord {
  return {
    host: String(r.host),
    port: Number(r.port),
    secure: Number(r.secure) === 1,
    username: String(r.username),
    password: String(r.password),
    mailbox: String(r.mailbox),
    enabled: Number(r.enabled) === 1,
    uidValidity: num(r.uid_validity),
    lastUid: Number(r.last_uid),
    lastPollAt: num(r.last_poll_at),
    lastSuccessAt: num(r.last_success_at),
    lastError: r.last_error_code ? { code: String(r.last_error_code), message: String(r.last_error_message ?? ''), at: Number(r.last_error_at) } : null,
    failures: Number(r.failures),
    receivedCount: Number(r.received_count),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The `email_inbound_imap` table: the tenant's one mailbox (id 1), its position and its status. */
export const ImapStore = {
  async get(db: SqlSession): Promise<ImapMailboxRecord | null> {
    const r = (await db.query('SELECT * FROM email_inbound_imap WHERE id = 1'))[0];
    return r ? fromRow(r) : null;
  },

  /** Saves the settings; a different server, user or mailbox starts from the mailbox's beginning again, with a clean status. */
  async save(db: SqlSession, s: ImapSettings, now: number): Promise<void> {
    const before = await ImapStore.get(db);
    const sameMailbox = before !== null && before.host === s.host && before.port === s.port && before.username === s.username && before.mailbox === s.mailbox;
    if (!before) {
      await db.run(
        `INSERT INTO email_inbound_imap (id, host, port, secure, username, password, mailbox, enabled, last_uid, failures, received_count, created_at, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?)`,
        [s.host, s.port, s.secure ? 1 : 0, s.username, s.password, s.mailbox, s.enabled ? 1 : 0, now, now],
      );
      return;
    }
    await db.run(
      `UPDATE email_inbound_imap SET host = ?, port = ?, secure = ?, username = ?, password = ?, mailbox = ?, enabled = ?, updated_at = ?,
         failures = 0, last_error_code = NULL, last_error_message = NULL, last_error_at = NULL${sameMailbox ? '' : ', uid_validity = NULL, last_uid = 0'} WHERE id = 1`,
      [s.host, s.port, s.secure ? 1 : 0, s.username, s.password, s.mailbox, s.enabled ? 1 : 0, now],
    );
  },

  async remove(db: SqlSession): Promise<boolean> {
    return (await db.run('DELETE FROM email_inbound_imap WHERE id = 1')) === 1;
  },

  /** Moves the mailbox's position past `uid` (inside the transaction that recorded that message, or after skipping it). */
  async advance(db: SqlSession, uidValidity: number, uid: number, recorded: boolean): Promise<void> {
    await db.run(
      `UPDATE email_inbound_imap SET uid_validity = ?, last_uid = CASE WHEN uid_validity = ? AND last_uid > ? THEN last_uid ELSE ? END${recorded ? ', received_count = received_count + 1' : ''} WHERE id = 1`,
      [uidValidity, uidValidity, uid, uid],
    );
  },

  /** Starts over under a new UIDVALIDITY: UIDs of the old one mean nothing now. */
  async resetPosition(db: SqlSession, uidValidity: number): Promise<void> {
    await db.run('UPDATE email_inbound_imap SET uid_validity = ?, last_uid = 0 WHERE id = 1', [uidValidity]);
  },

  /**
   * A poll that read the mailbox. `problem` is what one message had (it was left in the mailbox): a
   * note kept until a later problem replaces it. A failure of the mailbox itself is cleared.
   */
  async noteSuccess(db: SqlSession, now: number, problem: { code: string; message: string } | null, clearFailure: boolean): Promise<void> {
    const error = problem
      ? { sql: ', last_error_code = ?, last_error_message = ?, last_error_at = ?', params: [problem.code.slice(0, 64), problem.message.slice(0, 500), now] }
      : clearFailure
        ? { sql: ', last_error_code = NULL, last_error_message = NULL, last_error_at = NULL', params: [] }
        : { sql: '', params: [] };
    await db.run(`UPDATE email_inbound_imap SET last_poll_at = ?, last_success_at = ?, failures = 0${error.sql} WHERE id = 1`, [now, now, ...error.params]);
  },

  async clearError(db: SqlSession): Promise<void> {
    await db.run('UPDATE email_inbound_imap SET last_error_code = NULL, last_error_message = NULL, last_error_at = NULL WHERE id = 1');
  },

  /** Records a failure as the mailbox's status; `counts` false for a problem with one message, not the mailbox (the poll went on). */
  async noteError(db: SqlSession, error: { code: string; message: string }, now: number, counts = true): Promise<void> {
    await db.run(
      `UPDATE email_inbound_imap SET last_poll_at = ?, last_error_code = ?, last_error_message = ?, last_error_at = ?${counts ? ', failures = failures + 1' : ''} WHERE id = 1`,
      [now, error.code.slice(0, 64), error.message.slice(0, 500), now],
    );
  },
};
