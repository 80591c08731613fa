import type { MikroORM } from '@mikro-orm/core';
import { createKsaService, type KsaService, type TenantLocalization } from '../ksa-service.js';
import type { TenantLocaleSettings } from '../locale-settings.js';
import { HijriMonthOverrideSchema, HolidayOverrideSchema, TenantLocaleSchema } from './entities.js';

/** The slice of a tenant record that decides its default locale. */
export interface TenantLocaleSource {
  readonly id: string;
  readonly locale: string;
  readonly timezone: string;
}

/**
 * The KSA service as the platform runs it: rebuilt whenever an administrator changes a Hijri month
 * override or a year's holidays (so conversions, holidays and displays move together), plus each
 * tenant's stored settings, cached in memory and dropped on change.
 */
export class KsaPlatform {
  private current: KsaService = createKsaService();
  private readonly tenants = new Map<string, TenantLocalization>();

  constructor(private readonly controlPlane: MikroORM) {}

  get service(): KsaService {
    return this.current;
  }

  /** Loads the overrides and rebuilds; a bad stored override fails here, loudly, not on a request. */
  async reload(): Promise<void> {
    const em = this.controlPlane.em.fork();
    const months = await em.find(HijriMonthOverrideSchema, {}, { orderBy: { year: 'asc', month: 'asc' } });
    const years = await em.find(HolidayOverrideSchema, {}, { orderBy: { year: 'asc' } });
    this.current = createKsaService({
      hijriOverrides: months.map((m) => ({ year: m.year, month: m.month, firstDay: m.firstDay })),
      holidayOverrides: years.map((y) => ({ year: y.year, holidays: y.holidays })),
    });
    this.tenants.clear();
  }

  /** Validates the whole override set with the new one before storing it, then rebuilds. */
  async putMonthOverride(year: number, month: number, firstDay: string): Promise<void> {
    const em = this.controlPlane.em.fork();
    const existing = await em.find(HijriMonthOverrideSchema, {});
    const next = existing.filter((m) => !(m.year === year && m.month === month)).map((m) => ({ year: m.year, month: m.month, firstDay: m.firstDay }));
    createKsaService({ hijriOverrides: [...next, { year, month, firstDay }] }); // throws HIJRI_OVERRIDE_INVALID
    await em.upsert(HijriMonthOverrideSchema, { id: `${year}-${month}`, year, month, firstDay, updatedAt: new Date() });
    await this.reload();
  }

  async deleteMonthOverride(year: number, month: number): Promise<boolean> {
    const removed = await this.controlPlane.em.fork().nativeDelete(HijriMonthOverrideSchema, { id: `${year}-${month}` });
    await this.reload();
    return removed > 0;
  }

  async monthOverrides() {
    return this.controlPlane.em.fork().find(HijriMonthOverrideSchema, {}, { orderBy: { year: 'asc', month: 'asc' } });
  }

  async putHolidays(year: number, holidays: HolidayOverrideSchemaRow['holidays']): Promise<void> {
    createKsaService({ holidayOverrides: [{ year, holidays }] }).holidaysForYear(year); // validates
    await this.controlPlane.em.fork().upsert(HolidayOverrideSchema, { year, holidays, updatedAt: new Date() });
    await this.reload();
  }

  async deleteHolidays(year: number): Promise<boolean> {
    const removed = await this.controlPlane.em.fork().nativeDelete(HolidayOverrideSchema, { year });
    await this.reload();
    return removed > 0;
  }

  /** A tenant's settings: stored ones, else the Saudi defaults in the tenant's language and zone. */
  async settingsOf(tenant: TenantLocaleSource): Promise<TenantLocaleSettings> {
    return (await this.forTenant(tenant)).settings;
  }

  async forTenant(tenant: TenantLocaleSource): Promise<TenantLocalization> {
    const hit = this.tenants.get(tenant.id);
    if (hit) return hit;
    const row = await this.controlPlane.em.fork().findOne(TenantLocaleSchema, { tenantId: tenant.id });
    const language = tenant.locale === 'en' ? 'en' : 'ar';
    const stored = row?.settings ?? { language, timezone: tenant.timezone };
    const localization = this.current.forTenant(stored);
    if (this.tenants.size > 10_000) this.tenants.clear();
    this.tenants.set(tenant.id, localization);
    return localization;
  }

  /** Validates (coded 400s) and stores a tenant's settings. */
  async putSettings(tenantId: string, input: unknown): Promise<TenantLocaleSettings> {
    const settings = this.current.validateLocaleSettings(input);
    await this.controlPlane.em.fork().upsert(TenantLocaleSchema, { tenantId, settings: settings as never, updatedAt: new Date() });
    this.tenants.delete(tenantId);
    return settings;
  }

  /** The tenant's language if its settings are already loaded; sync, for the error edge. */
  cachedLanguage(tenantId: string): 'ar' | 'en' | undefined {
    return this.tenants.get(tenantId)?.settings.language;
  }

  forgetTenant(tenantId: string): void {
    this.tenants.delete(tenantId);
  }
}

type HolidayOverrideSchemaRow = { holidays: Array<{ date: string; name: { ar: string; en: string }; kind?: 'national' | 'religious' }> };
