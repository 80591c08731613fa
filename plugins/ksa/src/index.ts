/**
 * @dogan/plugin-ksa: Saudi localization. The library (no HTTP, no storage): the Umm al-Qura calendar,
 * Saudi holidays, business-day arithmetic, Arabic/English formatting and messages. The plugin (the
 * default export, in ./plugin/): routes, tenant settings and the administrators' overrides.
 */
export { KsaErrors, type KsaErrorCode } from './errors.js';
export {
  HijriCalendar,
  defaultHijriCalendar,
  formatHijriIso,
  monthLength,
  toGregorian,
  toHijri,
  type HijriDate,
  type HijriMonthOverride,
} from './hijri-calendar.js';
export { FIRST_SUPPORTED_HIJRI_YEAR, LAST_SUPPORTED_HIJRI_YEAR, UMM_AL_QURA_CORRECTIONS, type UmmAlQuraCorrection } from './umm-al-qura-table.js';
export { HIJRI_MONTH_NAMES, hijriMonthName, type HijriMonthNames } from './hijri-months.js';
export { addDays, parseIsoDate, weekdayOf, type IsoDate, type IsoWeekday } from './gregorian-date.js';
export { instantToMillis, type Instant } from './instant.js';
export {
  EID_BREAK_DAYS,
  eidDaysOfHijriYear,
  fixedHolidaySource,
  holidaysForYear,
  saudiHolidaySource,
  type Holiday,
  type HolidayKind,
  type HolidayOptions,
  type HolidayOverride,
  type HolidaySource,
  type LocalizedName,
  type TenantHoliday,
} from './holidays.js';
export {
  DEFAULT_BUSINESS_HOURS,
  DEFAULT_TIMEZONE,
  SAUDI_WORK_WEEK,
  parseBusinessHours,
  validateTimezone,
  validateWorkWeek,
  type BusinessHours,
} from './work-schedule.js';
export { BusinessCalendar, type BusinessCalendarOptions, type BusinessDuration } from './business-calendar.js';
export * from './format.js';
export { SUPPORTED_LANGUAGES, isLanguage } from './language.js';
export { CATALOGS, compareCatalogs, negotiateLanguage, translate, type Catalog, type CatalogMessage, type MessageKey, type MessageParams } from './messages.js';
export {
  defaultLocaleSettings,
  validateLocaleSettings,
  type OfficialHolidays,
  type TenantLocaleSettings,
} from './locale-settings.js';
export { createKsaService, type KsaService, type KsaServiceOptions, type TenantLocalization } from './ksa-service.js';

// The plugin itself (routes, settings storage, admin overrides) lives in ./plugin/.
export { ksaPlugin as default, ksaServiceRef } from './plugin/ksa-plugin.js';
export { KsaPlatform, type TenantLocaleSource } from './plugin/ksa-platform.js';
