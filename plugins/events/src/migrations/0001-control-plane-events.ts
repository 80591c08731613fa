import type { ControlPlaneMigration } from '@dogan/runtime';
import { outboxTableSql } from './outbox-table.js';

/**
 * The events plugin's control-plane tables: the control plane's own outbox; hints naming the tenant
 * databases with events to relay; the in-process bus's durable queue (deliveries per consumer) and its
 * known consumers; the ledger of events each consumer has applied (deduplication by event id); and
 * the dead letters a tenant admin reads and replays.
 */
const POSTGRESQL = [
  ...outboxTableSql('postgresql'),
  `create table "event_outbox_hints" (
    "tenant_id" varchar(36) not null,
    "hints" bigint not null default 1,
    "noted_at_ms" bigint not null,
    constraint "event_outbox_hints_pkey" primary key ("tenant_id")
  )`,
  `create table "event_consumers" (
    "name" varchar(120) not null,
    "types" jsonb not null,
    "max_deliver" int not null,
    "registered_at_ms" bigint not null,
    constraint "event_consumers_pkey" primary key ("name")
  )`,
  `create table "event_deliveries" (
    "consumer" varchar(120) not null,
    "event_id" varchar(36) not null,
    "event" jsonb not null,
    "attempts" int not null default 0,
    "next_attempt_at_ms" bigint not null,
    "last_error" text null,
    constraint "event_deliveries_pkey" primary key ("consumer", "event_id")
  )`,
  `create index "event_deliveries_next_attempt_at_ms_index" on "event_deliveries" ("next_attempt_at_ms")`,
  `create table "event_processed" (
    "consumer" varchar(120) not null,
    "event_id" varchar(36) not null,
    "processed_at_ms" bigint not null,
    constraint "event_processed_pkey" primary key ("consumer", "event_id")
  )`,
  `create index "event_processed_processed_at_ms_index" on "event_processed" ("processed_at_ms")`,
  `create table "event_dead_letters" (
    "id" varchar(36) not null,
    "consumer" varchar(120) not null,
    "event_id" varchar(36) not null,
    "type" varchar(200) not null,
    "version" int not null,
    "tenant_id" varchar(36) null,
    "occurred_at" varchar(40) not null,
    "payload" jsonb not null,
    "attempts" int not null,
    "last_error" text not null,
    "dead_at_ms" bigint not null,
    "replayed_at_ms" bigint null,
    constraint "event_dead_letters_pkey" primary key ("id")
  )`,
  `create unique index "event_dead_letters_consumer_event_id_unique" on "event_dead_letters" ("consumer", "event_id")`,
  `create index "event_dead_letters_tenant_id_index" on "event_dead_letters" ("tenant_id", "dead_at_ms")`,
];

const SQLITE = [
  ...outboxTableSql('sqlite'),
  `create table "event_outbox_hints" (
    "tenant_id" text not null primary key,
    "hints" bigint not null default 1,
    "noted_at_ms" bigint not null
  )`,
  `create table "event_consumers" (
    "name" text not null primary key,
    "types" text not null,
    "max_deliver" integer not null,
    "registered_at_ms" bigint not null
  )`,
  `create table "event_deliveries" (
    "consumer" text not null,
    "event_id" text not null,
    "event" text not null,
    "attempts" integer not null default 0,
    "next_attempt_at_ms" bigint not null,
    "last_error" text null,
    primary key ("consumer", "event_id")
  )`,
  `create index "event_deliveries_next_attempt_at_ms_index" on "event_deliveries" ("next_attempt_at_ms")`,
  `create table "event_processed" (
    "consumer" text not null,
    "event_id" text not null,
    "processed_at_ms" bigint not null,
    primary key ("consumer", "event_id")
  )`,
  `create index "event_processed_processed_at_ms_index" on "event_processed" ("processed_at_ms")`,
  `create table "event_dead_letters" (
    "id" text not null primary key,
    "consumer" text not null,
    "event_id" text not null,
    "type" text not null,
    "version" integer not null,
    "tenant_id" text null,
    "occurred_at" text not null,
    "payload" text not null,
    "attempts" integer not null,
    "last_error" text not null,
    "dead_at_ms" bigint not null,
    "replayed_at_ms" bigint null
  )`,
  `create unique index "event_dead_letters_consumer_event_id_unique" on "event_dead_letters" ("consumer", "event_id")`,
  `create index "event_dead_letters_tenant_id_index" on "event_dead_letters" ("tenant_id", "dead_at_ms")`,
];

export const controlPlaneEventTables: ControlPlaneMigration = {
  name: '0001-event-tables',
  async up({ execute, dialect }) {
    for (const sql of dialect === 'postgresql' ? POSTGRESQL : SQLITE) await execute(sql);
  },
};
