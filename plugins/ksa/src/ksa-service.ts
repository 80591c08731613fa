/**
 * The KSA service other plugins use: built once for the platform (with the administrators'
 * Hijri month overrides and holiday overrides), then asked for a tenant's formatter and business
 * calendar from that tenant's locale settings.
 */
import { BusinessCalendar } from './business-calendar.js';
import { createFormatter, type LocaleFormatter } from './format.js';
import { HijriCalendar, type HijriMonthOverride } from './hijri-calendar.js';
import { holidaysForYear, saudiHolidaySource, type Holiday, type HolidayOverride, type TenantHoliday } from './holidays.js';
import type { Language } from './language.js';
import { defaultLocaleSettings, validateLocaleSettings, type TenantLocaleSettings } from './locale-settings.js';
import { negotiateLanguage, translate, type MessageKey, type MessageParams } from './messages.js';

/** Platform-wide data the administrators maintain. */
export interface KsaServiceOptions {
  /** Hijri month starts that differ from the calculated calendar (e.g. the Supreme Court's announcement). */
  readonly hijriOverrides?: readonly HijriMonthOverride[];
  /** Per-year replacements of the computed Eid holidays. */
  readonly holidayOverrides?: readonly HolidayOverride[];
}

/** Everything one tenant needs to show dates and amounts and to count business time. */
export interface TenantLocalization {
  readonly settings: TenantLocaleSettings;
  readonly formatter: LocaleFormatter;
  readonly businessCalendar: BusinessCalendar;
  /** The tenant's days off in a Gregorian year (official ones per its settings, plus its own). */
  holidaysForYear(year: number): Holiday[];
}

export interface KsaService {
  /** The platform's Hijri calendar (built-in corrections + administrator overrides). */
  readonly calendar: HijriCalendar;
  readonly defaultLocaleSettings: TenantLocaleSettings;
  /** Validates and completes settings; throws the coded errors (see `validateLocaleSettings`). */
  validateLocaleSettings(input: unknown): TenantLocaleSettings;
  /** A tenant's formatter and business calendar; `settings` is validated first. */
  forTenant(settings: unknown): TenantLocalization;
  /** Saudi official holidays of a Gregorian year, with the platform's overrides, plus optional tenant days. */
  holidaysForYear(year: number, tenantHolidays?: readonly TenantHoliday[]): Holiday[];
  translate(language: Language, key: MessageKey, params?: MessageParams): string;
  negotiateLanguage(acceptLanguage: string | null | undefined, fallback?: Language): Language;
}

/** Builds the service; throws `HIJRI_OVERRIDE_INVALID` (and friends) for bad platform data. */
export function createKsaService(options: KsaServiceOptions = {}): KsaService {
  const calendar = new HijriCalendar(options.hijriOverrides ?? []);
  const overrides = options.holidayOverrides ?? [];
  return {
    calendar,
    defaultLocaleSettings,
    validateLocaleSettings,
    forTenant(input) {
      const settings = validateLocaleSettings(input);
      const holidayOptions = {
        calendar,
        overrides,
        tenantHolidays: settings.holidays,
        includeOfficial: settings.officialHolidays === 'SA',
      };
      return {
        settings,
        formatter: createFormatter({ ...settings, calendar }),
        businessCalendar: new BusinessCalendar({
          workWeek: settings.workWeek,
          businessHours: settings.businessHours,
          timezone: settings.timezone,
          holidays: saudiHolidaySource(holidayOptions),
        }),
        holidaysForYear: (year) => holidaysForYear(year, holidayOptions),
      };
    },
    holidaysForYear: (year, tenantHolidays = []) => holidaysForYear(year, { calendar, overrides, tenantHolidays }),
    translate: (language, key, params) => translate(language, key, params),
    negotiateLanguage,
  };
}
