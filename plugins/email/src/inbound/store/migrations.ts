import type { ControlPlaneMigration, TenantMigration } from '@dogan/runtime';

/**
 * A tenant's inbound mail in its own database: the intake settings (the secret's hash), the received
 * mail (whose unique `dedup_key` is the receipt that makes a Message-ID one event), their attachments,
 * and the IMAP mailbox with its position (UIDVALIDITY, last UID) and status. The IMAP password is
 * secret-box ciphertext. Times are epoch milliseconds (bigint): the same SQL on SQLite and PostgreSQL.
 */
export const inboundTenantMigrations: TenantMigration[] = [
  {
    name: 'inbound-0001-inbound-mail',
    async up({ execute, dialect }) {
      const bytes = dialect === 'postgresql' ? 'bytea' : 'blob';
      await execute(`CREATE TABLE email_inbound_settings (
        id integer PRIMARY KEY,
        secret_hash varchar(64) NULL,
        secret_hint varchar(8) NULL,
        secret_rotated_at bigint NULL,
        received_count integer NOT NULL DEFAULT 0,
        last_received_at bigint NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      await execute(`CREATE TABLE email_inbound_messages (
        id varchar(36) PRIMARY KEY,
        dedup_key varchar(255) NOT NULL UNIQUE,
        message_id text NULL,
        source varchar(8) NOT NULL,
        provider varchar(16) NOT NULL,
        from_address varchar(320) NULL,
        from_name varchar(320) NULL,
        recipients text NOT NULL,
        subject text NOT NULL,
        text_body text NULL,
        html_body text NULL,
        sent_at bigint NULL,
        in_reply_to text NULL,
        event_id varchar(36) NOT NULL,
        attachment_count integer NOT NULL,
        size_bytes integer NOT NULL,
        received_at bigint NOT NULL
      )`);
      await execute('CREATE INDEX email_inbound_messages_received_index ON email_inbound_messages (received_at, id)');
      await execute(`CREATE TABLE email_inbound_attachments (
        message_id varchar(36) NOT NULL,
        part integer NOT NULL,
        filename varchar(255) NULL,
        content_type varchar(255) NOT NULL,
        content_id varchar(255) NULL,
        size integer NOT NULL,
        sha256 varchar(64) NOT NULL,
        content ${bytes} NOT NULL,
        PRIMARY KEY (message_id, part)
      )`);
      await execute(`CREATE TABLE email_inbound_imap (
        id integer PRIMARY KEY,
        host varchar(253) NOT NULL,
        port integer NOT NULL,
        secure integer NOT NULL,
        username varchar(320) NOT NULL,
        password text NOT NULL,
        mailbox varchar(200) NOT NULL,
        enabled integer NOT NULL,
        uid_validity bigint NULL,
        last_uid bigint NOT NULL DEFAULT 0,
        last_poll_at bigint NULL,
        last_success_at bigint NULL,
        last_error_code varchar(64) NULL,
        last_error_message varchar(500) NULL,
        last_error_at bigint NULL,
        failures integer NOT NULL DEFAULT 0,
        received_count integer NOT NULL DEFAULT 0,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
    },
  },
];

/** Which tenants have an enabled IMAP mailbox, and when it is next read: the cluster's poll job reads this, never every tenant database. */
export const inboundControlPlaneMigrations: ControlPlaneMigration[] = [
  {
    name: 'inbound-0001-imap-due',
    async up({ execute }) {
      await execute(`CREATE TABLE email_imap_due (
        tenant_id varchar(36) PRIMARY KEY,
        due_at bigint NOT NULL
      )`);
      await execute('CREATE INDEX email_imap_due_index ON email_imap_due (due_at)');
    },
  },
];
