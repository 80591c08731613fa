import type { ControlPlaneMigration } from '@dogan/runtime';

/**
 * The tenants plugin's control-plane tables as its entities (src/entities, src/idempotency)
 * described them when versioned migrations replaced `updateSchema` at start-up. MikroORM's
 * SchemaGenerator wrote this SQL once; it is frozen here, so every deployment runs the same
 * statements. Change a table with a new migration, never by editing this one.
 */
const TABLES = ['api_keys', 'audit_log', 'idempotency_records', 'tenants'];

const POSTGRESQL = [
  `create table "api_keys" (
    "id" varchar(36) not null,
    "tenant_id" varchar(36) not null,
    "name" varchar(100) not null,
    "prefix" varchar(16) not null,
    "hash" varchar(64) not null,
    "scopes" jsonb not null,
    "expires_at" timestamptz null,
    "revoked_at" timestamptz null,
    "last_used_at" timestamptz null,
    "created_at" timestamptz not null,
    constraint "api_keys_pkey" primary key ("id")
  )`,
  `create index "api_keys_tenant_id_index" on "api_keys" ("tenant_id")`,
  `alter table "api_keys" add constraint "api_keys_prefix_unique" unique ("prefix")`,
  `create table "audit_log" (
    "id" serial primary key,
    "tenant_id" varchar(36) null,
    "action" varchar(60) not null,
    "actor" varchar(100) not null,
    "details" jsonb null,
    "at" timestamptz not null
  )`,
  `create index "audit_log_tenant_id_index" on "audit_log" ("tenant_id")`,
  `create table "idempotency_records" (
    "id" varchar(36) not null,
    "tenant_id" varchar(64) not null,
    "idempotency_key" varchar(255) not null,
    "fingerprint" varchar(64) not null,
    "state" varchar(12) not null,
    "owner" varchar(36) not null,
    "locked_until" timestamptz not null,
    "expires_at" timestamptz not null,
    "response_status" int null,
    "response_headers" jsonb null,
    "response_body" text null,
    "created_at" timestamptz not null,
    "updated_at" timestamptz not null,
    constraint "idempotency_records_pkey" primary key ("id")
  )`,
  `create index "idempotency_records_expires_at_index" on "idempotency_records" ("expires_at")`,
  `alter table "idempotency_records" add constraint "idempotency_records_tenant_id_idempotency_key_unique" unique ("tenant_id", "idempotency_key")`,
  `create table "tenants" (
    "id" varchar(36) not null,
    "name" varchar(200) not null,
    "subdomain" varchar(63) not null,
    "status" varchar(20) not null,
    "status_before_deletion" varchar(20) null,
    "plan" varchar(40) not null,
    "trial_ends_at" timestamptz null,
    "deletion_scheduled_at" timestamptz null,
    "database_server" varchar(63) not null,
    "database_name" varchar(255) not null,
    "locale" varchar(10) not null default 'ar',
    "timezone" varchar(64) not null default 'Asia/Riyadh',
    "country" varchar(2) not null default 'SA',
    "created_at" timestamptz not null,
    "updated_at" timestamptz not null,
    "provisioning_owner" varchar(200) null,
    "provisioning_lease_until" timestamptz null,
    "provisioning_step" varchar(40) null,
    constraint "tenants_pkey" primary key ("id")
  )`,
  `alter table "tenants" add constraint "tenants_subdomain_unique" unique ("subdomain")`,
  `create index "tenants_status_index" on "tenants" ("status")`,
  `create index "tenants_plan_index" on "tenants" ("plan")`,
  `create index "tenants_database_server_index" on "tenants" ("database_server")`,
];

const SQLITE = [
  `create table "api_keys" (
    "id" text not null,
    "tenant_id" text not null,
    "name" text not null,
    "prefix" text not null,
    "hash" text not null,
    "scopes" json not null,
    "expires_at" datetime null,
    "revoked_at" datetime null,
    "last_used_at" datetime null,
    "created_at" datetime not null,
    primary key ("id")
  )`,
  `create index "api_keys_tenant_id_index" on "api_keys" ("tenant_id")`,
  `create unique index "api_keys_prefix_unique" on "api_keys" ("prefix")`,
  `create table "audit_log" (
    "id" integer not null primary key autoincrement,
    "tenant_id" text null,
    "action" text not null,
    "actor" text not null,
    "details" json null,
    "at" datetime not null
  )`,
  `create index "audit_log_tenant_id_index" on "audit_log" ("tenant_id")`,
  `create table "idempotency_records" (
    "id" text not null,
    "tenant_id" text not null,
    "idempotency_key" text not null,
    "fingerprint" text not null,
    "state" text not null,
    "owner" text not null,
    "locked_until" datetime not null,
    "expires_at" datetime not null,
    "response_status" integer null,
    "response_headers" json null,
    "response_body" text null,
    "created_at" datetime not null,
    "updated_at" datetime not null,
    primary key ("id")
  )`,
  `create index "idempotency_records_expires_at_index" on "idempotency_records" ("expires_at")`,
  `create unique index "idempotency_records_tenant_id_idempotency_key_unique" on "idempotency_records" ("tenant_id", "idempotency_key")`,
  `create table "tenants" (
    "id" text not null,
    "name" text not null,
    "subdomain" text not null,
    "status" text not null,
    "status_before_deletion" text null,
    "plan" text not null,
    "trial_ends_at" datetime null,
    "deletion_scheduled_at" datetime null,
    "database_server" text not null,
    "database_name" text not null,
    "locale" text not null default 'ar',
    "timezone" text not null default 'Asia/Riyadh',
    "country" text not null default 'SA',
    "created_at" datetime not null,
    "updated_at" datetime not null,
    "provisioning_owner" text null,
    "provisioning_lease_until" datetime null,
    "provisioning_step" text null,
    primary key ("id")
  )`,
  `create unique index "tenants_subdomain_unique" on "tenants" ("subdomain")`,
  `create index "tenants_status_index" on "tenants" ("status")`,
  `create index "tenants_plan_index" on "tenants" ("plan")`,
  `create index "tenants_database_server_index" on "tenants" ("database_server")`,
];

export const initialTables: ControlPlaneMigration = {
  name: '0001-initial-tables',
  // A control plane from before migrations already has these: the migration is then recorded, not run.
  baselineTables: TABLES,
  async up({ execute, dialect }) {
    for (const sql of dialect === 'postgresql' ? POSTGRESQL : SQLITE) await execute(sql);
  },
};
