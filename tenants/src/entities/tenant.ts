import { EntitySchema } from '@mikro-orm/core';

export const TENANT_STATUSES = ['provisioning', 'trial', 'active', 'suspended', 'cancelled', 'expired', 'pending_deletion'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** A tenant in the control plane. Its business data lives in its own database, named here. */
export interface Tenant {
  id: string;
  name: string;
  subdomain: string;
  status: TenantStatus;
  /** The status to return to when a pending deletion is restored. */
  statusBeforeDeletion?: TenantStatus | null;
  plan: string;
  trialEndsAt?: Date | null;
  deletionScheduledAt?: Date | null;
  /** `sqlite` or the name of the PostgreSQL server (placement) holding the database. */
  databaseServer: string;
  databaseName: string;
  locale: string;
  timezone: string;
  country: string;
  createdAt: Date;
  updatedAt: Date;
  /**
   * While `provisioning`: the process running it (see provisioning-lease.ts), until when its lease
   * holds, and the step it has reached, so recovery after a crash knows what to undo. Null after.
   */
  provisioningOwner?: string | null;
  provisioningLeaseUntil?: Date | null;
  provisioningStep?: string | null;
}

export const TenantSchema = new EntitySchema<Tenant>({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    name: { type: 'string', length: 200 },
    subdomain: { type: 'string', length: 63, unique: true },
    status: { type: 'string', length: 20, index: true },
    statusBeforeDeletion: { type: 'string', length: 20, nullable: true },
    plan: { type: 'string', length: 40, index: true },
    trialEndsAt: { type: 'datetime', nullable: true },
    deletionScheduledAt: { type: 'datetime', nullable: true },
    databaseServer: { type: 'string', length: 63, index: true },
    databaseName: { type: 'string', length: 255 },
    locale: { type: 'string', length: 10, default: 'ar' },
    timezone: { type: 'string', length: 64, default: 'Asia/Riyadh' },
    country: { type: 'string', length: 2, default: 'SA' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
    provisioningOwner: { type: 'string', length: 200, nullable: true },
    provisioningLeaseUntil: { type: 'datetime', nullable: true },
    provisioningStep: { type: 'string', length: 40, nullable: true },
  },
});
