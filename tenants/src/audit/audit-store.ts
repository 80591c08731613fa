import type { SqlParam, SqlSession } from '../database/sql-session.js';
import { entryHash, GENESIS_HASH } from './chain-hash.js';
import { dateParam, ENTRY_COLUMNS, entryFromRow, insertEntry } from './audit-rows.js';
import type { ActorKind, AuditTrailEntry } from './trail-entry.js';

/**
 * The SQL of the audit chains, the same on PostgreSQL and SQLite. `audit_log` holds the entries,
 * unique by (chain, seq); `audit_chain_heads` one row per chain with its latest seq and hash.
 */

/** What an entry is before it takes its place in the chain. */
export type UnchainedEntry = Omit<AuditTrailEntry, 'seq' | 'prevHash' | 'hash'>;

export interface AuditFilters {
  readonly actorKind?: ActorKind;
  readonly actorId?: string;
  /** `workflows` matches `workflows` and `workflows.*`; `workflows.runs` matches `workflows.runs.*`. */
  readonly action?: string;
  readonly targetType?: string;
  readonly targetId?: string;
  /** Entries at or after. */
  readonly from?: Date;
  /** Entries before. */
  readonly to?: Date;
}

/**
 * Appends an entry to its chain in one transaction. Taking the next seq from the head row (an upsert
 * that creates the chain's head at its first entry) holds that row's lock until commit, so appends to
 * one chain take turns across nodes: none waits on a retry, and none takes a seq another took.
 */
export async function appendEntry(session: SqlSession, chain: string, entry: UnchainedEntry): Promise<AuditTrailEntry> {
  return session.transaction(async (tx) => {
    const [head] = await tx.query<{ seq: unknown; hash: unknown }>(
      `INSERT INTO audit_chain_heads (chain, seq, hash) VALUES (?, 1, ?)
       ON CONFLICT (chain) DO UPDATE SET seq = audit_chain_heads.seq + 1
       RETURNING seq, hash`,
      [chain, GENESIS_HASH],
    );
    if (!head) throw new Error(`audit chain "${chain}": the head row was not returned`);
    const unhashed = { ...entry, seq: Number(head.seq), prevHash: String(head.hash) };
    const chained: AuditTrailEntry = { ...unhashed, hash: entryHash(unhashed) };
    await insertEntry(tx, chain, chained);
    await tx.run('UPDATE audit_chain_heads SET hash = ? WHERE chain = ?', [chained.hash, chain]);
    return chained;
  });
}

function filterClauses(session: SqlSession, chain: string, f: AuditFilters): { where: string; params: SqlParam[] } {
  const clauses = ['chain = ?'];
  const params: SqlParam[] = [chain];
  const add = (clause: string, ...values: SqlParam[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  if (f.actorKind) add('actor_kind = ?', f.actorKind);
  if (f.actorId) add('actor_id = ?', f.actorId);
  if (f.action) add('(action = ? OR substr(action, 1, CAST(? AS integer)) = ?)', f.action, f.action.length + 1, `${f.action}.`);
  if (f.targetType) add('target_type = ?', f.targetType);
  if (f.targetId) add('target_id = ?', f.targetId);
  if (f.from) add('at >= ?', dateParam(session, f.from));
  if (f.to) add('at < ?', dateParam(session, f.to));
  return { where: clauses.join(' AND '), params };
}

/** One page, newest first: entries before seq `before` (all when undefined), at most `limit`. */
export async function pageOfEntries(session: SqlSession, chain: string, filters: AuditFilters, before: number | undefined, limit: number): Promise<AuditTrailEntry[]> {
  const { where, params } = filterClauses(session, chain, filters);
  const cursor = before === undefined ? '' : ' AND seq < ?';
  const rows = await session.query(`SELECT ${ENTRY_COLUMNS} FROM audit_log WHERE ${where}${cursor} ORDER BY seq DESC LIMIT ?`, [
    ...params,
    ...(before === undefined ? [] : [before]),
    limit,
  ]);
  return rows.map(entryFromRow);
}

const SCAN_BATCH = 500;

/** Every matching entry, oldest first, after seq `after`, read in batches: never the whole chain in memory. */
export async function* scanEntries(session: SqlSession, chain: string, filters: AuditFilters = {}, after = 0): AsyncGenerator<AuditTrailEntry> {
  const { where, params } = filterClauses(session, chain, filters);
  for (let last = after; ; ) {
    const rows = await session.query(`SELECT ${ENTRY_COLUMNS} FROM audit_log WHERE ${where} AND seq > ? ORDER BY seq ASC LIMIT ?`, [...params, last, SCAN_BATCH]);
    for (const row of rows) {
      const entry = entryFromRow(row);
      last = entry.seq;
      yield entry;
    }
    if (rows.length < SCAN_BATCH) return;
  }
}

/** The chain's head: its latest seq and hash, or undefined before its first entry. */
export async function chainHead(session: SqlSession, chain: string): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await session.query<{ seq: unknown; hash: unknown }>('SELECT seq, hash FROM audit_chain_heads WHERE chain = ?', [chain]);
  return row ? { seq: Number(row.seq), hash: String(row.hash) } : undefined;
}

/** Every chain that has entries (tenants purged since included). */
export async function allChains(session: SqlSession): Promise<string[]> {
  const rows = await session.query<{ chain: unknown }>('SELECT chain FROM audit_chain_heads UNION SELECT DISTINCT chain FROM audit_log ORDER BY 1');
  return rows.map((r) => String(r.chain));
}
