import type { BillingService } from '@dogan/plugin-billing';
import type { ModuleManifest } from '@dogan/module-manifest';
import type { Tenant } from '@dogan/tenants';
import { MarketplaceErrors } from './errors.js';
import type { ModuleBilling } from './purchase-service.js';

/** A manifest's price in the billing plugin's terms; a yearly module subscription has none there yet. */
function billingPricing(moduleId: string, pricing: ModuleManifest['pricing']) {
  switch (pricing.model) {
    case 'free':
      return { model: 'free' as const };
    case 'one_time':
      return { model: 'one_time' as const, amount: pricing.amount };
    case 'per_use':
      // Uses are counted under the module's own metric (the unit only names them): two modules that
      // both count "message" must not bill each other's uses.
      return { model: 'per_use' as const, amount: pricing.amount };
    case 'subscription':
      if (pricing.interval === 'month') return { model: 'monthly' as const, amount: pricing.amount };
      throw MarketplaceErrors.PRICING_UNSUPPORTED(moduleId, 'yearly module subscriptions');
  }
}

/** Charges a module on the tenant's invoice through the billing plugin; plans may include modules. */
export function moduleBillingFrom(billing: BillingService): ModuleBilling {
  return {
    async purchaseModule(tenantId, purchase) {
      const recorded = await billing.purchaseModule(tenantId, { ...purchase, pricing: billingPricing(purchase.moduleId, purchase.pricing) });
      return { reference: recorded.id };
    },
    async includedInPlan(tenant: Tenant, moduleId: string) {
      // Only "no such plan" means "not included"; a database error must not turn into a decision.
      const plan = await billing.catalog.get(tenant.plan).catch((err: unknown) => {
        if ((err as { code?: string }).code === 'PLAN_UNKNOWN') return undefined;
        throw err;
      });
      return plan?.includedModules.includes(moduleId) ?? false;
    },
    endRecurring: (tenantId, moduleId) => billing.modules.endRecurring(tenantId, moduleId),
    recordUse: (tenantId, moduleId) => billing.modules.recordUse(tenantId, moduleId),
  };
}
