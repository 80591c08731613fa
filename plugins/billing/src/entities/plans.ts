import { EntitySchema } from '@mikro-orm/core';

/** A feature's value: a flag, a limit (null: unlimited), or a number. */
export type FeatureValue = boolean | number | null;

export interface PlanPrice {
  /** Minor units per month and per year. */
  monthly: number;
  yearly: number;
}

export interface OverageRates {
  /** Minor units per started 1,000 API calls over the limit. */
  apiCallsPer1000: number;
  /** Minor units per started GB over the storage limit. */
  storagePerGb: number;
}

/** A plan as data (seeded from the original system; a platform admin may change it). */
export interface BillingPlan {
  id: string;
  name: { en: string; ar: string };
  position: number;
  prices: Record<string, PlanPrice>;
  overage: Record<string, OverageRates>;
  features: Record<string, FeatureValue>;
  includedModules: string[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const BillingPlanSchema = new EntitySchema<BillingPlan>({
  name: 'BillingPlan',
  tableName: 'billing_plans',
  properties: {
    id: { type: 'string', primary: true, length: 40 },
    name: { type: 'json' },
    position: { type: 'integer' },
    prices: { type: 'json' },
    overage: { type: 'json' },
    features: { type: 'json' },
    includedModules: { type: 'json' },
    active: { type: 'boolean', default: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** A platform admin's per-tenant override of features and limits (ABP's tenant feature values). */
export interface TenantFeatureOverride {
  tenantId: string;
  features: Record<string, FeatureValue>;
  updatedBy: string;
  updatedAt: Date;
}

export const TenantFeatureOverrideSchema = new EntitySchema<TenantFeatureOverride>({
  name: 'BillingTenantOverride',
  tableName: 'billing_tenant_overrides',
  properties: {
    tenantId: { type: 'string', primary: true, length: 36 },
    features: { type: 'json' },
    updatedBy: { type: 'string', length: 80 },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** VAT rate by buyer country, in basis points (SA: 1500). */
export interface TaxRate {
  country: string;
  rateBasisPoints: number;
  updatedAt: Date;
}

export const TaxRateSchema = new EntitySchema<TaxRate>({
  name: 'BillingTaxRate',
  tableName: 'billing_tax_rates',
  properties: {
    country: { type: 'string', primary: true, length: 2 },
    rateBasisPoints: { type: 'integer' },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
