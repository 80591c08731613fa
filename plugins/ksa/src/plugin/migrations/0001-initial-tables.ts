import type { ControlPlaneMigration } from '@dogan/runtime';

/**
 * The ksa plugin's control-plane tables as its entities (src/plugin/entities.ts) described them when
 * versioned migrations replaced `updateSchema` at start-up. MikroORM's SchemaGenerator wrote this SQL
 * once; it is frozen here, so every deployment runs the same statements. Change a table with a new
 * migration, never by editing this one.
 */
const TABLES = ['ksa_hijri_month_overrides', 'ksa_holiday_overrides', 'ksa_tenant_locale'];

const POSTGRESQL = [
  `create table "ksa_hijri_month_overrides" (
    "id" varchar(10) not null,
    "year" int not null,
    "month" int not null,
    "first_day" varchar(10) not null,
    "updated_at" timestamptz not null,
    constraint "ksa_hijri_month_overrides_pkey" primary key ("id")
  )`,
  `create table "ksa_holiday_overrides" (
    "year" int not null,
    "holidays" jsonb not null,
    "updated_at" timestamptz not null,
    constraint "ksa_holiday_overrides_pkey" primary key ("year")
  )`,
  `create table "ksa_tenant_locale" (
    "tenant_id" varchar(36) not null,
    "settings" jsonb not null,
    "updated_at" timestamptz not null,
    constraint "ksa_tenant_locale_pkey" primary key ("tenant_id")
  )`,
];

const SQLITE = [
  `create table "ksa_hijri_month_overrides" (
    "id" text not null,
    "year" integer not null,
    "month" integer not null,
    "first_day" text not null,
    "updated_at" datetime not null,
    primary key ("id")
  )`,
  `create table "ksa_holiday_overrides" (
    "year" integer not null,
    "holidays" json not null,
    "updated_at" datetime not null,
    primary key ("year")
  )`,
  `create table "ksa_tenant_locale" (
    "tenant_id" text not null,
    "settings" json not null,
    "updated_at" datetime not null,
    primary key ("tenant_id")
  )`,
];

export const initialTables: ControlPlaneMigration = {
  name: '0001-initial-tables',
  // A control plane from before migrations already has these: the migration is then recorded, not run.
  baselineTables: TABLES,
  async up({ execute, dialect }) {
    for (const sql of dialect === 'postgresql' ? POSTGRESQL : SQLITE) await execute(sql);
  },
};
