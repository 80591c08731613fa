import type { BillingPlan, FeatureValue } from '../entities/plans.js';

/**
 * The original system's plans (subscription-plans.py): Starter, Professional, Enterprise with their
 * limits, monthly prices 99/299/999 and overage rates (API calls 0.01 per started 1,000 over the
 * limit, storage 5.00 per GB over). Yearly is ten months' price. The original priced in one currency;
 * we seed the same figures for SAR and USD (an admin can change either).
 * Its included modules and feature flags were reconstructed from its marketplace list.
 */
export const LIMIT_FEATURES = ['agents', 'workflows', 'apiCallsPerMonth', 'storageGb'] as const;
export type LimitFeature = (typeof LIMIT_FEATURES)[number];

export const FLAG_FEATURES = ['apiAccess', 'erpnextIntegration', 'advancedAnalytics', 'customBranding', 'prioritySupport', 'sso'] as const;

/** What a feature is when neither the tenant override nor the plan says (ABP's default value). */
export const DEFAULT_FEATURES: Readonly<Record<string, FeatureValue>> = {
  agents: 0,
  workflows: 0,
  apiCallsPerMonth: 0,
  storageGb: 0,
  apiAccess: false,
  erpnextIntegration: false,
  advancedAnalytics: false,
  customBranding: false,
  prioritySupport: false,
  sso: false,
};

const price = (monthly: number) => ({ monthly, yearly: monthly * 10 });
const prices = (major: number) => ({ SAR: price(major * 100), USD: price(major * 100) });
const overage = { apiCallsPer1000: 1, storagePerGb: 500 };

type SeedPlan = Omit<BillingPlan, 'createdAt' | 'updatedAt'>;

export const SEED_PLANS: readonly SeedPlan[] = [
  {
    id: 'starter',
    name: { en: 'Starter', ar: 'المبتدئة' },
    position: 1,
    prices: prices(99),
    overage: { SAR: overage, USD: overage },
    features: { agents: 5, workflows: 10, apiCallsPerMonth: 10_000, storageGb: 10, apiAccess: true },
    includedModules: ['dogan.sales-agent', 'dogan.support-agent'],
    active: true,
  },
  {
    id: 'professional',
    name: { en: 'Professional', ar: 'الاحترافية' },
    position: 2,
    prices: prices(299),
    overage: { SAR: overage, USD: overage },
    features: { agents: 20, workflows: 50, apiCallsPerMonth: 100_000, storageGb: 50, apiAccess: true, erpnextIntegration: true, advancedAnalytics: true, customBranding: true },
    includedModules: ['dogan.sales-agent', 'dogan.support-agent', 'dogan.inventory-agent', 'dogan.accounting-agent', 'dogan.email-automation'],
    active: true,
  },
  {
    id: 'enterprise',
    name: { en: 'Enterprise', ar: 'المؤسسات' },
    position: 3,
    prices: prices(999),
    overage: { SAR: overage, USD: overage },
    features: {
      agents: null,
      workflows: null,
      apiCallsPerMonth: null,
      storageGb: 500,
      apiAccess: true,
      erpnextIntegration: true,
      advancedAnalytics: true,
      customBranding: true,
      prioritySupport: true,
      sso: true,
    },
    includedModules: ['dogan.sales-agent', 'dogan.support-agent', 'dogan.inventory-agent', 'dogan.accounting-agent', 'dogan.email-automation', 'dogan.workflow-automation', 'dogan.advanced-analytics'],
    active: true,
  },
];

/** Saudi VAT; other countries default to 0 (exported services are zero-rated) unless an admin sets a rate. */
export const SEED_TAX_RATES: ReadonlyArray<{ country: string; rateBasisPoints: number }> = [{ country: 'SA', rateBasisPoints: 1500 }];
