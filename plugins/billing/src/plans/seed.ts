import type { BillingPlan, FeatureValue, OverageRates } from '../entities/plans.js';
import { sarOverage, sarPlanPrice } from './sar-prices.js';

/**
 * The original system's plans (subscription-plans.py): Starter, Professional, Enterprise with their
 * limits, monthly prices $99/$299/$999 and overage rates (API calls $0.01 per started 1,000 over the
 * limit, storage $5.00 per GB over). Yearly is ten months' price. The original priced in US dollars
 * only: USD keeps its figures, and SAR gets them converted at the peg (3.75) and rounded up, plan fees
 * to a 5-riyal price point: 375 / 1,125 / 3,750 SAR a month, overage 0.04 per 1,000 calls and 18.75
 * per GB (see sar-prices.ts). An admin can change either currency.
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

/** Prices from the original's whole dollars a month; money is integer minor units (cents, halalas). */
function prices(usdPerMonth: number) {
  const usd = { monthly: usdPerMonth * 100, yearly: usdPerMonth * 100 * 10 };
  return { SAR: sarPlanPrice(usd), USD: usd };
}
const usdOverage: OverageRates = { apiCallsPer1000: 1, storagePerGb: 500 };
const overage = { SAR: sarOverage(usdOverage), USD: usdOverage };

type SeedPlan = Omit<BillingPlan, 'createdAt' | 'updatedAt'>;

export const SEED_PLANS: readonly SeedPlan[] = [
  {
    id: 'starter',
    name: { en: 'Starter', ar: 'المبتدئة' },
    position: 1,
    prices: prices(99),
    overage,
    features: { agents: 5, workflows: 10, apiCallsPerMonth: 10_000, storageGb: 10, apiAccess: true },
    includedModules: ['dogan.sales-agent', 'dogan.support-agent'],
    active: true,
  },
  {
    id: 'professional',
    name: { en: 'Professional', ar: 'الاحترافية' },
    position: 2,
    prices: prices(299),
    overage,
    features: { agents: 20, workflows: 50, apiCallsPerMonth: 100_000, storageGb: 50, apiAccess: true, erpnextIntegration: true, advancedAnalytics: true, customBranding: true },
    includedModules: ['dogan.sales-agent', 'dogan.support-agent', 'dogan.inventory-agent', 'dogan.accounting-agent', 'dogan.email-automation'],
    active: true,
  },
  {
    id: 'enterprise',
    name: { en: 'Enterprise', ar: 'المؤسسات' },
    position: 3,
    prices: prices(999),
    overage,
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
