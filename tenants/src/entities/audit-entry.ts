import { EntitySchema } from '@mikro-orm/core';

/** One lifecycle or security action, kept after its tenant is purged. */
export interface AuditEntry {
  id: number;
  tenantId?: string | null;
  action: string;
  actor: string;
  details?: Record<string, unknown> | null;
  at: Date;
}

export const AuditEntrySchema = new EntitySchema<AuditEntry>({
  name: 'AuditEntry',
  tableName: 'audit_log',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    tenantId: { type: 'string', length: 36, nullable: true, index: true },
    action: { type: 'string', length: 60 },
    actor: { type: 'string', length: 100 },
    details: { type: 'json', nullable: true },
    at: { type: 'datetime', onCreate: () => new Date() },
  },
});
