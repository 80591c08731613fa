import type { ControlPlaneMigration, TenantMigration } from '@dogan/runtime';

/**
 * A tenant's ERPNext connections, incoming webhook hooks, the receipts that deduplicate them, and its
 * syncs, in the tenant's own database. Credentials and hook secrets are secret-box ciphertext. Times
 * are epoch milliseconds (bigint): the same SQL on SQLite and PostgreSQL.
 */
export const erpnextTenantMigrations: TenantMigration[] = [
  {
    name: '0001-erpnext',
    async up({ execute }) {
      await execute(`CREATE TABLE erpnext_connections (
        name varchar(64) PRIMARY KEY,
        base_url varchar(2048) NOT NULL,
        site_name varchar(253) NULL,
        api_key text NOT NULL,
        api_secret text NOT NULL,
        api_key_hint varchar(8) NOT NULL,
        is_default integer NOT NULL,
        health_status varchar(12) NOT NULL,
        health_checked_at bigint NULL,
        health_user varchar(200) NULL,
        last_error_code varchar(64) NULL,
        last_error_message varchar(500) NULL,
        last_error_at bigint NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      await execute(`CREATE TABLE erpnext_hooks (
        id varchar(36) PRIMARY KEY,
        connection varchar(64) NOT NULL,
        doctype varchar(140) NOT NULL,
        events text NOT NULL,
        secret text NOT NULL,
        enabled integer NOT NULL,
        received_count integer NOT NULL DEFAULT 0,
        last_received_at bigint NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      // One row per change seen, from a webhook or a sync: the same change never becomes two events.
      await execute(`CREATE TABLE erpnext_receipts (
        connection varchar(64) NOT NULL,
        doctype varchar(140) NOT NULL,
        doc_name varchar(140) NOT NULL,
        doc_event varchar(32) NOT NULL,
        modified varchar(32) NOT NULL,
        event_id varchar(36) NOT NULL,
        source varchar(8) NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (connection, doctype, doc_name, doc_event, modified)
      )`);
      await execute('CREATE INDEX erpnext_receipts_age_index ON erpnext_receipts (received_at)');
      await execute(`CREATE TABLE erpnext_syncs (
        connection varchar(64) NOT NULL,
        doctype varchar(140) NOT NULL,
        interval_minutes integer NOT NULL,
        enabled integer NOT NULL,
        fields text NOT NULL,
        filters text NOT NULL,
        cursor_modified varchar(32) NULL,
        cursor_name varchar(140) NULL,
        next_due_at bigint NOT NULL,
        claim_token varchar(36) NULL,
        claim_until bigint NULL,
        last_run_id varchar(36) NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (connection, doctype)
      )`);
      await execute(`CREATE TABLE erpnext_sync_runs (
        id varchar(36) PRIMARY KEY,
        connection varchar(64) NOT NULL,
        doctype varchar(140) NOT NULL,
        trigger_kind varchar(12) NOT NULL,
        status varchar(12) NOT NULL,
        started_at bigint NOT NULL,
        finished_at bigint NULL,
        pages integer NOT NULL DEFAULT 0,
        documents integer NOT NULL DEFAULT 0,
        published integer NOT NULL DEFAULT 0,
        duplicates integer NOT NULL DEFAULT 0,
        from_modified varchar(32) NULL,
        to_modified varchar(32) NULL,
        error_code varchar(64) NULL,
        error_message varchar(500) NULL
      )`);
      await execute('CREATE INDEX erpnext_sync_runs_index ON erpnext_sync_runs (connection, doctype, started_at)');
    },
  },
];

/** Which tenants have a sync, and when the next is due: the cluster's sync job reads this, never every tenant database. */
export const erpnextControlPlaneMigrations: ControlPlaneMigration[] = [
  {
    name: '0001-erpnext-sync-due',
    async up({ execute }) {
      await execute(`CREATE TABLE erpnext_sync_due (
        tenant_id varchar(36) PRIMARY KEY,
        due_at bigint NOT NULL
      )`);
      await execute('CREATE INDEX erpnext_sync_due_index ON erpnext_sync_due (due_at)');
    },
  },
];
