/**
 * The outbox table, the same in the control plane and in every tenant database: events recorded in
 * the transaction of their state change, relayed to the bus in `seq` order and marked sent. Times are
 * epoch milliseconds (the same on both engines); `occurred_at` keeps the event's own ISO text.
 */
export function outboxTableSql(dialect: 'sqlite' | 'postgresql'): string[] {
  if (dialect === 'postgresql') {
    return [
      `create table "event_outbox" (
        "seq" bigserial not null,
        "id" varchar(36) not null,
        "type" varchar(200) not null,
        "version" int not null,
        "tenant_id" varchar(36) null,
        "occurred_at" varchar(40) not null,
        "payload" jsonb not null,
        "sent_at_ms" bigint null,
        "attempts" int not null default 0,
        "last_error" text null,
        constraint "event_outbox_pkey" primary key ("seq")
      )`,
      `create unique index "event_outbox_id_unique" on "event_outbox" ("id")`,
      // The relay's one query: unsent rows in order; the partial index stays as small as the backlog.
      `create index "event_outbox_unsent_index" on "event_outbox" ("seq") where "sent_at_ms" is null`,
      `create index "event_outbox_sent_at_ms_index" on "event_outbox" ("sent_at_ms")`,
    ];
  }
  return [
    `create table "event_outbox" (
      "seq" integer not null primary key autoincrement,
      "id" text not null,
      "type" text not null,
      "version" integer not null,
      "tenant_id" text null,
      "occurred_at" text not null,
      "payload" text not null,
      "sent_at_ms" bigint null,
      "attempts" integer not null default 0,
      "last_error" text null
    )`,
    `create unique index "event_outbox_id_unique" on "event_outbox" ("id")`,
    `create index "event_outbox_unsent_index" on "event_outbox" ("seq") where "sent_at_ms" is null`,
    `create index "event_outbox_sent_at_ms_index" on "event_outbox" ("sent_at_ms")`,
  ];
}
