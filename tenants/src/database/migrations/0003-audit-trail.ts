import type { ControlPlaneMigration } from '@dogan/runtime';
import { entryHash, GENESIS_HASH } from '../../audit/chain-hash.js';
import { dateOf } from '../../audit/audit-rows.js';
import { actorFromLabel, chainOf } from '../../audit/trail-entry.js';

/**
 * The audit trail (tenants/src/audit/): `audit_log` becomes hash chains, one per tenant and one for
 * the platform, and `audit_chain_heads` holds each chain's latest seq and hash. The rows written
 * before are kept and chained: per tenant (null: the platform) in id order, from seq 1, with their
 * actor label parsed into a kind and an id, so verification covers them too.
 *
 * The columns are what MikroORM's SchemaGenerator writes for the AuditEntry entity, frozen here. They
 * are added only where missing: a control plane adopted as the baseline was made from the entities,
 * which already have them. The unique (chain, seq) index comes after the old rows are chained.
 */
const COLUMNS: ReadonlyArray<readonly [name: string, postgresql: string, sqlite: string]> = [
  ['chain', `varchar(36) not null default ''`, `text not null default ''`],
  ['seq', 'bigint not null default 0', 'bigint not null default 0'],
  ['actor_kind', `varchar(20) not null default 'system'`, `text not null default 'system'`],
  ['actor_id', 'varchar(100) null', 'text null'],
  ['target_type', 'varchar(60) null', 'text null'],
  ['target_id', 'varchar(200) null', 'text null'],
  ['request_id', 'varchar(128) null', 'text null'],
  ['ip', 'varchar(64) null', 'text null'],
  ['outcome', 'varchar(20) null', 'text null'],
  ['changes', 'jsonb null', 'json null'],
  ['prev_hash', `varchar(64) not null default ''`, `text not null default ''`],
  ['hash', `varchar(64) not null default ''`, `text not null default ''`],
];

const HEADS = {
  postgresql: `create table if not exists "audit_chain_heads" (
    "chain" varchar(36) not null,
    "seq" bigint not null,
    "hash" varchar(64) not null,
    constraint "audit_chain_heads_pkey" primary key ("chain")
  )`,
  sqlite: `create table if not exists "audit_chain_heads" (
    "chain" text not null,
    "seq" bigint not null,
    "hash" text not null,
    primary key ("chain")
  )`,
};

type Execute = (sql: string, params?: unknown[]) => Promise<unknown>;
type Rows = Array<Record<string, unknown>>;

/** The old rows read this many at a time. */
const BATCH = 1000;

const parseJson = (value: unknown): Record<string, unknown> | null =>
  value === null || value === undefined ? null : ((typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>);

/** Chains the rows written before this migration, in id order; returns each chain's head. */
async function chainOldRows(execute: Execute): Promise<Map<string, { seq: number; hash: string }>> {
  const heads = new Map<string, { seq: number; hash: string }>();
  for (let last = 0; ; ) {
    const rows = (await execute(`SELECT id, tenant_id, action, actor, details, at FROM "audit_log" WHERE "hash" = '' AND id > ? ORDER BY id LIMIT ${BATCH}`, [last])) as Rows;
    for (const row of rows) {
      last = Number(row.id);
      const tenantId = row.tenant_id === null ? null : String(row.tenant_id);
      const chain = chainOf(tenantId);
      const previous = heads.get(chain) ?? { seq: 0, hash: GENESIS_HASH };
      const label = String(row.actor);
      const actor = actorFromLabel(label);
      const unhashed = {
        seq: previous.seq + 1,
        at: dateOf(row.at).toISOString(),
        tenantId,
        actor: { ...actor, label },
        action: String(row.action),
        target: null,
        requestId: null,
        ip: null,
        outcome: null,
        changes: null,
        details: parseJson(row.details),
        prevHash: previous.hash,
      };
      const hash = entryHash(unhashed);
      await execute(`UPDATE "audit_log" SET "chain" = ?, "seq" = ?, "actor_kind" = ?, "actor_id" = ?, "prev_hash" = ?, "hash" = ? WHERE id = ?`, [
        chain,
        unhashed.seq,
        actor.kind,
        actor.id,
        previous.hash,
        hash,
        last,
      ]);
      heads.set(chain, { seq: unhashed.seq, hash });
    }
    if (rows.length < BATCH) return heads;
  }
}

export const auditTrail: ControlPlaneMigration = {
  name: '0003-audit-trail',
  async up({ execute, dialect }) {
    const pg = dialect === 'postgresql';
    const existing = (await execute(
      pg ? "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'audit_log'" : "SELECT name FROM pragma_table_info('audit_log')",
    )) as Rows;
    const has = new Set(existing.map((c) => String(c.name)));
    for (const [name, postgresql, sqlite] of COLUMNS) {
      if (!has.has(name)) await execute(`alter table "audit_log" add column "${name}" ${pg ? postgresql : sqlite}`);
    }
    if (pg) await execute(`alter table "audit_log" alter column "action" type varchar(120) using ("action"::varchar(120))`);
    await execute(pg ? HEADS.postgresql : HEADS.sqlite);
    const heads = await chainOldRows(execute);
    for (const [chain, head] of heads) {
      await execute('INSERT INTO "audit_chain_heads" ("chain", "seq", "hash") VALUES (?, ?, ?)', [chain, head.seq, head.hash]);
    }
    const unique = pg
      ? ((await execute("SELECT 1 FROM pg_constraint WHERE conname = 'audit_log_chain_seq_unique'")) as Rows).length > 0
      : false;
    if (pg && !unique) await execute(`alter table "audit_log" add constraint "audit_log_chain_seq_unique" unique ("chain", "seq")`);
    if (!pg) await execute('create unique index if not exists "audit_log_chain_seq_unique" on "audit_log" ("chain", "seq")');
  },
};
