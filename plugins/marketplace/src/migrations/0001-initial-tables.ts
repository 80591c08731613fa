import type { ControlPlaneMigration } from '@dogan/runtime';

/**
 * The marketplace plugin's control-plane tables as its entities (src/entities.ts) described them when
 * versioned migrations replaced `updateSchema` at start-up. MikroORM's SchemaGenerator wrote this SQL
 * once; it is frozen here, so every deployment runs the same statements. Change a table with a new
 * migration, never by editing this one.
 */
const TABLES = ['marketplace_installs', 'marketplace_purchases'];

const POSTGRESQL = [
  `create table "marketplace_installs" (
    "id" varchar(140) not null,
    "tenant_id" varchar(36) not null,
    "module_id" varchar(101) not null,
    "version" varchar(64) not null,
    "previous_version" varchar(64) null,
    "previous_grants" jsonb null,
    "grants" jsonb not null,
    "settings" jsonb not null,
    "status" varchar(16) not null,
    "installed_at" timestamptz not null,
    "updated_at" timestamptz not null,
    "uninstalled_at" timestamptz null,
    "purge_after" timestamptz null,
    "operation_id" varchar(36) null,
    "operation" varchar(16) null,
    "lease_until" timestamptz null,
    constraint "marketplace_installs_pkey" primary key ("id")
  )`,
  `create index "marketplace_installs_tenant_id_index" on "marketplace_installs" ("tenant_id")`,
  `create index "marketplace_installs_status_index" on "marketplace_installs" ("status")`,
  `create table "marketplace_purchases" (
    "id" varchar(140) not null,
    "tenant_id" varchar(36) not null,
    "module_id" varchar(101) not null,
    "version" varchar(64) not null,
    "amount" int not null,
    "currency" varchar(3) not null,
    "reference" varchar(200) null,
    "purchased_at" timestamptz not null,
    constraint "marketplace_purchases_pkey" primary key ("id")
  )`,
  `create index "marketplace_purchases_tenant_id_index" on "marketplace_purchases" ("tenant_id")`,
];

const SQLITE = [
  `create table "marketplace_installs" (
    "id" text not null,
    "tenant_id" text not null,
    "module_id" text not null,
    "version" text not null,
    "previous_version" text null,
    "previous_grants" json null,
    "grants" json not null,
    "settings" json not null,
    "status" text not null,
    "installed_at" datetime not null,
    "updated_at" datetime not null,
    "uninstalled_at" datetime null,
    "purge_after" datetime null,
    "operation_id" text null,
    "operation" text null,
    "lease_until" datetime null,
    primary key ("id")
  )`,
  `create index "marketplace_installs_tenant_id_index" on "marketplace_installs" ("tenant_id")`,
  `create index "marketplace_installs_status_index" on "marketplace_installs" ("status")`,
  `create table "marketplace_purchases" (
    "id" text not null,
    "tenant_id" text not null,
    "module_id" text not null,
    "version" text not null,
    "amount" integer not null,
    "currency" text not null,
    "reference" text null,
    "purchased_at" datetime not null,
    primary key ("id")
  )`,
  `create index "marketplace_purchases_tenant_id_index" on "marketplace_purchases" ("tenant_id")`,
];

export const initialTables: ControlPlaneMigration = {
  name: '0001-initial-tables',
  // A control plane from before migrations already has these: the migration is then recorded, not run.
  baselineTables: TABLES,
  async up({ execute, dialect }) {
    for (const sql of dialect === 'postgresql' ? POSTGRESQL : SQLITE) await execute(sql);
  },
};
