import { FlushMode, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { BillingPlanSchema, TaxRateSchema, TenantFeatureOverrideSchema, type BillingPlan, type FeatureValue, type PlanPrice } from '../entities/plans.js';
import { BillingErrors } from '../errors.js';
import { correctedSarPricing } from './sar-prices.js';
import { DEFAULT_FEATURES, SEED_PLANS, SEED_TAX_RATES } from './seed.js';

const CACHE_MS = 30_000;

/** Input of a plan change by a platform admin. */
export type PlanInput = Omit<BillingPlan, 'createdAt' | 'updatedAt'>;

/**
 * Plans as data, tenant overrides, and feature resolution in ABP's order: tenant override, then the
 * plan, then the default. Plans and overrides are cached (briefly, so other nodes catch up) because
 * the quota check reads them on the request path.
 */
export class PlanCatalog {
  private plans = new Map<string, BillingPlan>();
  private plansLoadedAt = 0;
  private readonly overrides = new Map<string, { features: Record<string, FeatureValue>; until: number }>();

  constructor(private readonly orm: MikroORM) {}

  /**
   * Inserts the seed plans and tax rates that do not exist yet; never overwrites an admin's change.
   * A plan still priced by an earlier seed in dollar figures under SAR gets its SAR prices.
   */
  async seed(): Promise<void> {
    // Every insert waits for the one flush below: a look-up must not flush the rows created before it
    // (outside the duplicate handling), or a node seeding beside another fails its start.
    const em = this.orm.em.fork({ flushMode: FlushMode.COMMIT });
    for (const plan of SEED_PLANS) {
      const row = await em.findOne(BillingPlanSchema, { id: plan.id });
      if (!row) em.create(BillingPlanSchema, { ...plan, createdAt: new Date(), updatedAt: new Date() });
      else {
        const corrected = correctedSarPricing(row, plan);
        if (corrected) Object.assign(row, corrected, { updatedAt: new Date() });
      }
    }
    for (const rate of SEED_TAX_RATES) {
      if (!(await em.findOne(TaxRateSchema, { country: rate.country }))) em.create(TaxRateSchema, { ...rate, updatedAt: new Date() });
    }
    try {
      await em.flush();
    } catch (err) {
      // Two nodes seeding at once: the other one's rows are the same seed.
      // (better-sqlite3 reports a primary-key clash as SQLITE_CONSTRAINT_PRIMARYKEY, which MikroORM leaves unconverted.)
      const e = err as { name?: string; code?: string; message?: string };
      const duplicate = e.name === 'UniqueConstraintViolationException' || e.code === '23505' || String(e.code).startsWith('SQLITE_CONSTRAINT') || /UNIQUE constraint failed/.test(e.message ?? '');
      if (!duplicate) throw err;
    }
    await this.reload();
  }

  async reload(): Promise<void> {
    const rows = await this.orm.em.fork().find(BillingPlanSchema, {}, { orderBy: { position: 'asc' } });
    this.plans = new Map(rows.map((p) => [p.id, p]));
    this.plansLoadedAt = Date.now();
  }

  private async fresh(): Promise<void> {
    if (Date.now() - this.plansLoadedAt > CACHE_MS) await this.reload();
  }

  async list(): Promise<BillingPlan[]> {
    await this.fresh();
    return [...this.plans.values()];
  }

  async get(id: string): Promise<BillingPlan> {
    await this.fresh();
    const plan = this.plans.get(id);
    if (!plan || !plan.active) throw BillingErrors.PLAN_UNKNOWN(id, [...this.plans.values()].filter((p) => p.active).map((p) => p.id).join(', '));
    return plan;
  }

  /** The plan without a refresh or a check; for the request path, where a stale minute is fine. */
  cached(id: string): BillingPlan | undefined {
    return this.plans.get(id);
  }

  priceOf(plan: BillingPlan, currency: string): PlanPrice {
    const price = plan.prices[currency];
    if (!price) throw BillingErrors.CURRENCY_UNSUPPORTED(plan.id, currency);
    return price;
  }

  async put(input: PlanInput): Promise<BillingPlan> {
    validatePlan(input);
    const em = this.orm.em.fork();
    await em.upsert(BillingPlanSchema, { ...input, createdAt: new Date(), updatedAt: new Date() } as BillingPlan);
    await this.reload();
    return this.plans.get(input.id)!;
  }

  async overridesOf(tenantId: string): Promise<Record<string, FeatureValue>> {
    const hit = this.overrides.get(tenantId);
    if (hit && hit.until > Date.now()) return hit.features;
    const row = await this.orm.em.fork().findOne(TenantFeatureOverrideSchema, { tenantId });
    const features = row?.features ?? {};
    if (this.overrides.size > 50_000) this.overrides.clear();
    this.overrides.set(tenantId, { features, until: Date.now() + CACHE_MS });
    return features;
  }

  /** Replaces a tenant's overrides; `null` values mean unlimited, absent keys fall back to the plan. */
  async setOverrides(tenantId: string, features: Record<string, FeatureValue>, actor: string): Promise<Record<string, FeatureValue>> {
    for (const [name, value] of Object.entries(features)) validateFeature(name, value);
    await this.orm.em.fork().upsert(TenantFeatureOverrideSchema, { tenantId, features, updatedBy: actor, updatedAt: new Date() });
    this.overrides.delete(tenantId);
    return features;
  }

  /** Every feature of a tenant on a plan: override → plan → default. */
  async resolve(tenantId: string, planId: string): Promise<Record<string, FeatureValue>> {
    const plan = this.plans.get(planId) ?? (await this.get(planId));
    return { ...DEFAULT_FEATURES, ...plan.features, ...(await this.overridesOf(tenantId)) };
  }

  /** A limit (null: unlimited). */
  async limit(tenantId: string, planId: string, feature: string): Promise<number | null> {
    const value = (await this.resolve(tenantId, planId))[feature];
    return typeof value === 'number' ? value : value === null ? null : 0;
  }

  /** `em`: the caller's transaction (SQLite has one connection; a second fork inside a transaction would wait forever). */
  async taxRate(country: string, em: EntityManager = this.orm.em.fork()): Promise<number> {
    const row = await em.findOne(TaxRateSchema, { country: country.toUpperCase() });
    return row?.rateBasisPoints ?? 0;
  }

  async setTaxRate(country: string, rateBasisPoints: number): Promise<void> {
    await this.orm.em.fork().upsert(TaxRateSchema, { country: country.toUpperCase(), rateBasisPoints, updatedAt: new Date() });
  }
}

function validateFeature(name: string, value: FeatureValue): void {
  if (!(name in DEFAULT_FEATURES)) throw BillingErrors.FEATURE_UNKNOWN(name, Object.keys(DEFAULT_FEATURES).join(', '));
  const isLimit = typeof DEFAULT_FEATURES[name] === 'number';
  if (isLimit && value !== null && !(Number.isSafeInteger(value) && (value as number) >= 0)) throw BillingErrors.PLAN_INVALID(`${name} must be a whole number ≥ 0 or null (unlimited)`);
  if (!isLimit && typeof value !== 'boolean') throw BillingErrors.PLAN_INVALID(`${name} must be true or false`);
}

function validatePlan(plan: PlanInput): void {
  if (!/^[a-z][a-z0-9-]{1,39}$/.test(plan.id)) throw BillingErrors.PLAN_INVALID('id must be lowercase letters, digits and dashes');
  for (const [currency, price] of Object.entries(plan.prices)) {
    if (!/^[A-Z]{3}$/.test(currency)) throw BillingErrors.PLAN_INVALID(`"${currency}" is not a currency code`);
    if (!Number.isSafeInteger(price.monthly) || !Number.isSafeInteger(price.yearly) || price.monthly < 0 || price.yearly < 0) {
      throw BillingErrors.PLAN_INVALID(`prices in ${currency} must be whole minor units ≥ 0`);
    }
  }
  for (const [currency, rates] of Object.entries(plan.overage)) {
    if (!Number.isSafeInteger(rates.apiCallsPer1000) || !Number.isSafeInteger(rates.storagePerGb) || rates.apiCallsPer1000 < 0 || rates.storagePerGb < 0) {
      throw BillingErrors.PLAN_INVALID(`overage rates in ${currency} must be whole minor units ≥ 0`);
    }
  }
  for (const [name, value] of Object.entries(plan.features)) validateFeature(name, value);
}
