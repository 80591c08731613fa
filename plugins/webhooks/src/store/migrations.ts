import type { ControlPlaneMigration, TenantMigration } from '@dogan/runtime';

/**
 * A tenant's webhooks, their deliveries and every attempt, in the tenant's own database. Times are
 * epoch milliseconds (bigint) so due-time arithmetic is the same SQL on SQLite and PostgreSQL.
 */
export const webhooksTenantMigrations: TenantMigration[] = [
  {
    name: '0001-webhooks',
    async up({ execute }) {
      await execute(`CREATE TABLE webhooks (
        id varchar(36) PRIMARY KEY,
        url varchar(2048) NOT NULL,
        description varchar(500) NOT NULL,
        event_types text NOT NULL,
        enabled integer NOT NULL,
        secret text NOT NULL,
        previous_secret text NULL,
        previous_secret_until bigint NULL,
        consecutive_failures integer NOT NULL DEFAULT 0,
        failing_since bigint NULL,
        disabled_reason varchar(300) NULL,
        disabled_at bigint NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      await execute(`CREATE TABLE webhook_deliveries (
        id varchar(36) PRIMARY KEY,
        webhook_id varchar(36) NOT NULL,
        event_id varchar(200) NOT NULL,
        event_type varchar(200) NOT NULL,
        body text NOT NULL,
        status varchar(12) NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NULL,
        claim_token varchar(36) NULL,
        claim_until bigint NULL,
        response_status integer NULL,
        response_ms integer NULL,
        error varchar(500) NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        CONSTRAINT webhook_deliveries_event_unique UNIQUE (webhook_id, event_id)
      )`);
      await execute('CREATE INDEX webhook_deliveries_due_index ON webhook_deliveries (status, next_attempt_at)');
      await execute('CREATE INDEX webhook_deliveries_log_index ON webhook_deliveries (webhook_id, created_at)');
      await execute(`CREATE TABLE webhook_delivery_attempts (
        delivery_id varchar(36) NOT NULL,
        attempt integer NOT NULL,
        kind varchar(12) NOT NULL,
        started_at bigint NOT NULL,
        response_status integer NULL,
        response_ms integer NOT NULL,
        error varchar(500) NULL,
        PRIMARY KEY (delivery_id, attempt)
      )`);
    },
  },
];

/**
 * Which tenants have deliveries due, and from when: the one cluster-wide list every node's worker
 * reads, so no node scans every tenant database to find work.
 */
export const webhooksControlPlaneMigrations: ControlPlaneMigration[] = [
  {
    name: '0001-webhook-due-tenants',
    async up({ execute }) {
      await execute(`CREATE TABLE webhook_due_tenants (
        tenant_id varchar(36) PRIMARY KEY,
        due_at bigint NOT NULL,
        version integer NOT NULL
      )`);
      await execute('CREATE INDEX webhook_due_tenants_due_index ON webhook_due_tenants (due_at)');
    },
  },
];
