import { createHash } from 'node:crypto';
import type { AuditTrailEntry } from './trail-entry.js';

/**
 * The chain's format: each entry's hash is SHA-256 (hex) over the canonical JSON of its fields and
 * the previous entry's hash. Changing anything here breaks every chain already written, migration
 * 0003 included: it is as frozen as a migration.
 */

/** The prev_hash of a chain's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth and no whitespace; undefined members are left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What is hashed: every stored field of the entry but the hash itself (the row id is storage, not record). */
export type HashedFields = Omit<AuditTrailEntry, 'hash'>;

export function entryHash(entry: HashedFields): string {
  const fields = {
    seq: entry.seq,
    at: entry.at,
    tenantId: entry.tenantId,
    actor: { kind: entry.actor.kind, id: entry.actor.id, label: entry.actor.label },
    action: entry.action,
    target: entry.target ? { type: entry.target.type, id: entry.target.id } : null,
    requestId: entry.requestId,
    ip: entry.ip,
    outcome: entry.outcome,
    changes: entry.changes,
    details: entry.details,
    prevHash: entry.prevHash,
  };
  return createHash('sha256').update(canonicalJson(fields), 'utf8').digest('hex');
}
