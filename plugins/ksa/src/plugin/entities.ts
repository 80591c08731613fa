import { EntitySchema } from '@mikro-orm/core';

/** A tenant's locale settings, kept in the control plane: billing and emails read them for any tenant. */
export interface TenantLocaleRow {
  tenantId: string;
  settings: Record<string, unknown>;
  updatedAt: Date;
}

export const TenantLocaleSchema = new EntitySchema<TenantLocaleRow>({
  name: 'TenantLocale',
  tableName: 'ksa_tenant_locale',
  properties: {
    tenantId: { type: 'string', primary: true, length: 36 },
    settings: { type: 'json' },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** A platform admin's correction of a Hijri month's first day (the Supreme Court's announcement). */
export interface HijriMonthOverrideRow {
  id: string;
  year: number;
  month: number;
  firstDay: string;
  updatedAt: Date;
}

export const HijriMonthOverrideSchema = new EntitySchema<HijriMonthOverrideRow>({
  name: 'HijriMonthOverride',
  tableName: 'ksa_hijri_month_overrides',
  properties: {
    id: { type: 'string', primary: true, length: 10 },
    year: { type: 'integer' },
    month: { type: 'integer' },
    firstDay: { type: 'string', length: 10 },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** The official holidays of a Gregorian year as announced, replacing the computed Eid days. */
export interface HolidayOverrideRow {
  year: number;
  holidays: Array<{ date: string; name: { ar: string; en: string }; kind?: 'national' | 'religious' }>;
  updatedAt: Date;
}

export const HolidayOverrideSchema = new EntitySchema<HolidayOverrideRow>({
  name: 'HolidayOverride',
  tableName: 'ksa_holiday_overrides',
  properties: {
    year: { type: 'integer', primary: true, autoincrement: false },
    holidays: { type: 'json' },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
