import { EntitySchema } from '@mikro-orm/core';

/** `installing`: claimed by an install whose hook has not committed; nothing of it answers yet. */
export type InstallStatus = 'installing' | 'installed' | 'disabled' | 'uninstalled';

/** What may hold a row's claim: one of these at a time per tenant and module, across nodes. */
export type InstallOperation = 'install' | 'upgrade' | 'rollback' | 'enable' | 'disable' | 'settings' | 'uninstall' | 'purge';

/**
 * A module on a tenant: the version running, the one before it (for rollback), what the tenant
 * granted and its settings (secret fields encrypted). An uninstalled row keeps the data's retention
 * deadline; reinstalling within it finds the data. A row is also the claim on the module for the
 * tenant: `operationId` names the operation running on it until `leaseUntil`.
 */
export interface ModuleInstallRecord {
  id: string;
  tenantId: string;
  moduleId: string;
  version: string;
  previousVersion?: string | null;
  previousGrants?: string[] | null;
  grants: string[];
  settings: Record<string, unknown>;
  status: InstallStatus;
  installedAt: Date;
  updatedAt: Date;
  uninstalledAt?: Date | null;
  purgeAfter?: Date | null;
  operationId?: string | null;
  operation?: InstallOperation | null;
  leaseUntil?: Date | null;
}

export const ModuleInstallSchema = new EntitySchema<ModuleInstallRecord>({
  name: 'ModuleInstall',
  tableName: 'marketplace_installs',
  properties: {
    id: { type: 'string', primary: true, length: 140 },
    tenantId: { type: 'string', length: 36, index: true },
    moduleId: { type: 'string', length: 101 },
    version: { type: 'string', length: 64 },
    previousVersion: { type: 'string', length: 64, nullable: true },
    previousGrants: { type: 'json', nullable: true },
    grants: { type: 'json' },
    settings: { type: 'json' },
    status: { type: 'string', length: 16, index: true },
    installedAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
    uninstalledAt: { type: 'datetime', nullable: true },
    purgeAfter: { type: 'datetime', nullable: true },
    operationId: { type: 'string', length: 36, nullable: true },
    operation: { type: 'string', length: 16, nullable: true },
    leaseUntil: { type: 'datetime', nullable: true },
  },
});

/** A tenant's purchase of a module (free modules need none). */
export interface ModulePurchaseRecord {
  id: string;
  tenantId: string;
  moduleId: string;
  version: string;
  amount: number;
  currency: string;
  reference?: string | null;
  purchasedAt: Date;
}

export const ModulePurchaseSchema = new EntitySchema<ModulePurchaseRecord>({
  name: 'ModulePurchase',
  tableName: 'marketplace_purchases',
  properties: {
    id: { type: 'string', primary: true, length: 140 },
    tenantId: { type: 'string', length: 36, index: true },
    moduleId: { type: 'string', length: 101 },
    version: { type: 'string', length: 64 },
    amount: { type: 'integer' },
    currency: { type: 'string', length: 3 },
    reference: { type: 'string', length: 200, nullable: true },
    purchasedAt: { type: 'datetime', onCreate: () => new Date() },
  },
});

export const installId = (tenantId: string, moduleId: string) => `${tenantId}:${moduleId}`;
