import { EntitySchema } from '@mikro-orm/core';

/**
 * One entry of an audit chain (tenants/src/audit/): an action on a tenant, or on the platform, kept
 * after its tenant is purged. Entries are appended with SQL by the audit trail, never through this
 * entity: it describes the table so the schema check knows it.
 */
export interface AuditEntry {
  id: number;
  /** The tenant whose chain holds the entry; null: the platform's chain. */
  tenantId?: string | null;
  /** The chain: the tenant id, or `platform`. */
  chain: string;
  /** Position in the chain, from 1, without gaps. */
  seq: string | number;
  action: string;
  /** The actor as one label (`key:<id>`, `platform-admin`, `system:sweep`). */
  actor: string;
  actorKind: string;
  actorId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  requestId?: string | null;
  ip?: string | null;
  outcome?: string | null;
  changes?: Record<string, unknown> | null;
  details?: Record<string, unknown> | null;
  at: Date;
  prevHash: string;
  hash: string;
}

export const AuditEntrySchema = new EntitySchema<AuditEntry>({
  name: 'AuditEntry',
  tableName: 'audit_log',
  uniques: [{ properties: ['chain', 'seq'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    tenantId: { type: 'string', length: 36, nullable: true, index: true },
    action: { type: 'string', length: 120 },
    actor: { type: 'string', length: 100 },
    details: { type: 'json', nullable: true },
    at: { type: 'datetime', onCreate: () => new Date() },
    chain: { type: 'string', length: 36, default: '' },
    seq: { type: 'bigint', default: 0 },
    actorKind: { type: 'string', length: 20, default: 'system' },
    actorId: { type: 'string', length: 100, nullable: true },
    targetType: { type: 'string', length: 60, nullable: true },
    targetId: { type: 'string', length: 200, nullable: true },
    requestId: { type: 'string', length: 128, nullable: true },
    ip: { type: 'string', length: 64, nullable: true },
    outcome: { type: 'string', length: 20, nullable: true },
    changes: { type: 'json', nullable: true },
    prevHash: { type: 'string', length: 64, default: '' },
    hash: { type: 'string', length: 64, default: '' },
  },
});
