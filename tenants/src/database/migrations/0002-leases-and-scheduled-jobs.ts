import type { ControlPlaneMigration } from '@dogan/runtime';

/**
 * Once-per-cluster scheduling. `dogan_scheduled_jobs`: per job, the latest due time a node claimed
 * (a conditional update moves it forward, so one node runs each due time) and the latest that
 * completed. Times are integer milliseconds since the epoch: compared for equality across nodes and
 * dialects, they must not pass through a datetime type's rounding. `dogan_leases` (SQLite only):
 * the embedded control plane's leases; PostgreSQL holds leases as advisory locks instead.
 */
const POSTGRESQL = [
  `create table "dogan_scheduled_jobs" (
    "job" varchar(300) not null,
    "kind" varchar(60) not null,
    "last_due_ms" bigint not null,
    "claimed_by" varchar(200) null,
    "claimed_at" timestamptz null,
    "completed_due_ms" bigint null,
    "completed_at" timestamptz null,
    "outcome" varchar(10) null,
    "error" varchar(500) null,
    "runs" integer not null default 0,
    "missed" bigint not null default 0,
    "created_at" timestamptz not null,
    constraint "dogan_scheduled_jobs_pkey" primary key ("job")
  )`,
  `create index "dogan_scheduled_jobs_kind_index" on "dogan_scheduled_jobs" ("kind")`,
];

const SQLITE = [
  `create table "dogan_scheduled_jobs" (
    "job" text not null,
    "kind" text not null,
    "last_due_ms" integer not null,
    "claimed_by" text null,
    "claimed_at" datetime null,
    "completed_due_ms" integer null,
    "completed_at" datetime null,
    "outcome" text null,
    "error" text null,
    "runs" integer not null default 0,
    "missed" integer not null default 0,
    "created_at" datetime not null,
    primary key ("job")
  )`,
  `create index "dogan_scheduled_jobs_kind_index" on "dogan_scheduled_jobs" ("kind")`,
  `create table "dogan_leases" (
    "name" text not null,
    "holder" text not null,
    "expires_at_ms" integer not null,
    "acquired_at" datetime not null,
    primary key ("name")
  )`,
];

export const leasesAndScheduledJobs: ControlPlaneMigration = {
  name: '0002-leases-and-scheduled-jobs',
  async up({ execute, dialect }) {
    for (const sql of dialect === 'postgresql' ? POSTGRESQL : SQLITE) await execute(sql);
  },
};
