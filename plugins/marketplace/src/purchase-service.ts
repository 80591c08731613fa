import type { MikroORM } from '@mikro-orm/core';
import type { ModuleManifest } from '@dogan/module-manifest';
import type { Tenant } from '@dogan/tenants';
import { installId, ModulePurchaseSchema, type ModulePurchaseRecord } from './entities.js';
import { MarketplaceErrors } from './errors.js';

/** What the marketplace needs from billing: charge a module's price on the tenant's invoice. */
export interface ModuleBilling {
  purchaseModule(tenantId: string, purchase: { moduleId: string; version: string; pricing: ModuleManifest['pricing']; publisher: string }): Promise<{ reference: string }>;
  /** True when the tenant's plan includes the module at no charge. */
  includedInPlan(tenant: Tenant, moduleId: string): Promise<boolean>;
  /** Ends the module's monthly charge after the current period; how many charges ended. */
  endRecurring(tenantId: string, moduleId: string): Promise<number>;
  /** One use of a per-use module. */
  recordUse(tenantId: string, moduleId: string): Promise<void>;
}

export interface PurchaseResult {
  moduleId: string;
  version: string;
  charged: boolean;
  amount: number;
  currency: string | null;
  reason: 'free' | 'included-in-plan' | 'charged' | 'already-purchased';
  reference: string | null;
}

/**
 * Buying a module: free ones need nothing, ones the plan includes are recorded at no charge, paid
 * ones go through billing (refused clearly when billing is not loaded). Buying twice charges once.
 */
export class PurchaseService {
  constructor(
    private readonly controlPlane: MikroORM,
    private readonly billing: ModuleBilling | undefined,
  ) {}

  async includedInPlan(tenant: Tenant, moduleId: string): Promise<boolean> {
    return (await this.billing?.includedInPlan(tenant, moduleId)) ?? false;
  }

  /**
   * An uninstall ends a monthly module's subscription: billing charges the period in progress and no
   * more, and installing it again needs a new purchase. One-time and per-use purchases stay.
   */
  async endSubscription(tenant: Tenant, manifest: ModuleManifest): Promise<void> {
    const ended = (await this.billing?.endRecurring(tenant.id, manifest.id)) ?? 0;
    if (ended === 0 && manifest.pricing.model !== 'subscription') return;
    await this.controlPlane.em.fork().nativeDelete(ModulePurchaseSchema, { id: installId(tenant.id, manifest.id) });
  }

  /** Meters a call of a per-use module; other modules are not counted. */
  async recordUse(tenantId: string, manifest: ModuleManifest): Promise<void> {
    if (manifest.pricing.model === 'per_use' && this.billing) await this.billing.recordUse(tenantId, manifest.id);
  }

  async purchase(tenant: Tenant, manifest: ModuleManifest, publisher: string): Promise<PurchaseResult> {
    const base = { moduleId: manifest.id, version: manifest.version };
    const pricing = manifest.pricing;
    if (pricing.model === 'free') return { ...base, charged: false, amount: 0, currency: null, reason: 'free', reference: null };
    const em = this.controlPlane.em.fork();
    const existing = await em.findOne(ModulePurchaseSchema, { id: installId(tenant.id, manifest.id) });
    if (existing) return { ...base, charged: false, amount: existing.amount, currency: existing.currency, reason: 'already-purchased', reference: existing.reference ?? null };
    const record: ModulePurchaseRecord = { id: installId(tenant.id, manifest.id), tenantId: tenant.id, moduleId: manifest.id, version: manifest.version, amount: 0, currency: pricing.currency, reference: null, purchasedAt: new Date() };
    if (await this.includedInPlan(tenant, manifest.id)) {
      await em.persistAndFlush(em.create(ModulePurchaseSchema, { ...record, reference: `plan:${tenant.plan}` }));
      return { ...base, charged: false, amount: 0, currency: pricing.currency, reason: 'included-in-plan', reference: `plan:${tenant.plan}` };
    }
    if (!this.billing) throw MarketplaceErrors.BILLING_UNAVAILABLE(manifest.id);
    const { reference } = await this.billing.purchaseModule(tenant.id, { ...base, pricing, publisher });
    await em.persistAndFlush(em.create(ModulePurchaseSchema, { ...record, amount: pricing.amount, reference }));
    return { ...base, charged: true, amount: pricing.amount, currency: pricing.currency, reason: 'charged', reference };
  }
}
