import type { ControlPlaneMigration, TenantMigration } from '@dogan/runtime';

/**
 * The outbound side of a tenant's email, in its own database: its SMTP settings (the password and the
 * intake secret as secret-box ciphertext and hash), its templates, every message it sent or tried to,
 * and its suppression list. Times are epoch milliseconds (bigint): the same SQL on SQLite and PostgreSQL.
 */
export const emailTenantMigrations: TenantMigration[] = [
  {
    name: '0001-email-outbound',
    async up({ execute }) {
      // One row (id 1). No smtp_host: the tenant sends through the platform's server (EMAIL_SMTP_URL).
      await execute(`CREATE TABLE email_settings (
        id integer PRIMARY KEY,
        smtp_host varchar(253) NULL,
        smtp_port integer NULL,
        smtp_security varchar(8) NULL,
        smtp_username varchar(320) NULL,
        smtp_password text NULL,
        from_address varchar(254) NULL,
        from_name varchar(200) NULL,
        reply_to varchar(254) NULL,
        notice_address varchar(254) NULL,
        own_domains text NOT NULL,
        intake_secret_hash varchar(128) NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      await execute(`CREATE TABLE email_templates (
        name varchar(64) NOT NULL,
        locale varchar(2) NOT NULL,
        subject text NOT NULL,
        html text NULL,
        body_text text NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (name, locale)
      )`);
      await execute(`CREATE TABLE email_messages (
        id varchar(36) PRIMARY KEY,
        status varchar(12) NOT NULL,
        to_addresses text NOT NULL,
        cc_addresses text NOT NULL,
        suppressed_addresses text NOT NULL,
        reply_to varchar(254) NULL,
        subject text NOT NULL,
        html text NOT NULL,
        body_text text NOT NULL,
        template varchar(64) NULL,
        locale varchar(2) NOT NULL,
        source varchar(200) NULL,
        idempotency_key varchar(300) NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NULL,
        claim_token varchar(36) NULL,
        claim_until bigint NULL,
        last_attempt_at bigint NULL,
        last_error_code varchar(64) NULL,
        last_error_message varchar(500) NULL,
        message_id varchar(300) NULL,
        created_at bigint NOT NULL,
        sent_at bigint NULL,
        updated_at bigint NOT NULL
      )`);
      // A key names one message of the tenant: a second send with it finds the first (NULLs never collide).
      await execute('CREATE UNIQUE INDEX email_messages_idempotency_index ON email_messages (idempotency_key)');
      await execute('CREATE INDEX email_messages_due_index ON email_messages (status, next_attempt_at)');
      await execute('CREATE INDEX email_messages_attempt_index ON email_messages (last_attempt_at)');
      await execute('CREATE INDEX email_messages_created_index ON email_messages (created_at)');
      await execute(`CREATE TABLE email_suppressions (
        address varchar(254) PRIMARY KEY,
        reason varchar(16) NOT NULL,
        detail varchar(500) NULL,
        source varchar(64) NOT NULL,
        created_at bigint NOT NULL
      )`);
    },
  },
];

/**
 * Which tenants have email due, and from when: the one list every node's queue worker reads, so no
 * node scans every tenant database to find mail to send. Writers bump `version`; a worker that found
 * nothing due clears or moves the row only at the version it read, so a message queued meanwhile is
 * never forgotten.
 */
export const emailControlPlaneMigrations: ControlPlaneMigration[] = [
  {
    name: '0001-email-send-due',
    async up({ execute }) {
      await execute(`CREATE TABLE email_send_due (
        tenant_id varchar(36) PRIMARY KEY,
        due_at bigint NOT NULL,
        version integer NOT NULL
      )`);
      await execute('CREATE INDEX email_send_due_index ON email_send_due (due_at)');
    },
  },
];
