import type { SqlParam, SqlRow, SqlSession } from '../database/sql-session.js';
import { isActorKind, type AuditTrailEntry } from './trail-entry.js';

/** The audit_log columns an entry is read from, in SELECT order. */
export const ENTRY_COLUMNS =
  'seq, at, tenant_id, actor, actor_kind, actor_id, action, target_type, target_id, request_id, ip, outcome, changes, details, prev_hash, hash';

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A datetime as either engine gives it back: a Date (PostgreSQL), epoch milliseconds (SQLite, as MikroORM stores them). */
export function dateOf(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  const s = String(value);
  return new Date(/^\d+$/.test(s) ? Number(s) : s);
}

/** A JSON column as either engine gives it back: parsed (PostgreSQL jsonb) or text (SQLite). */
function jsonOf(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
}

/** An entry from a row of ENTRY_COLUMNS, on either engine, exactly as it was hashed. */
export function entryFromRow(row: SqlRow): AuditTrailEntry {
  const kind = String(row.actor_kind);
  const targetType = text(row.target_type);
  return {
    seq: Number(row.seq),
    at: dateOf(row.at).toISOString(),
    tenantId: text(row.tenant_id),
    actor: { kind: isActorKind(kind) ? kind : 'system', id: text(row.actor_id), label: String(row.actor) },
    action: String(row.action),
    target: targetType === null ? null : { type: targetType, id: text(row.target_id) },
    requestId: text(row.request_id),
    ip: text(row.ip),
    outcome: text(row.outcome),
    changes: jsonOf(row.changes),
    details: jsonOf(row.details),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

/** A datetime bound the way each engine stores it (SQLite: epoch milliseconds, as MikroORM writes them). */
export function dateParam(session: Pick<SqlSession, 'dialect'>, at: Date): SqlParam {
  return session.dialect === 'sqlite' ? at.getTime() : at.toISOString();
}

/** Appends one entry's row; a second entry with the same (chain, seq) fails on the unique index. */
export async function insertEntry(session: SqlSession, chain: string, entry: AuditTrailEntry): Promise<void> {
  const json = (v: Record<string, unknown> | null) => (v === null ? null : JSON.stringify(v));
  await session.run(
    `INSERT INTO audit_log (chain, seq, at, tenant_id, actor, actor_kind, actor_id, action, target_type, target_id, request_id, ip, outcome, changes, details, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${session.json}, ${session.json}, ?, ?)`,
    [
      chain,
      entry.seq,
      dateParam(session, new Date(entry.at)),
      entry.tenantId,
      entry.actor.label,
      entry.actor.kind,
      entry.actor.id,
      entry.action,
      entry.target?.type ?? null,
      entry.target?.id ?? null,
      entry.requestId,
      entry.ip,
      entry.outcome,
      json(entry.changes),
      json(entry.details),
      entry.prevHash,
      entry.hash,
    ],
  );
}
