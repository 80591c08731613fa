/**
 * A tenant's language and region settings: the typed shape, the Saudi defaults, and the validation
 * that turns stored or submitted JSON into that shape (or a coded error naming the bad field).
 */
import type { CalendarDisplay } from './date-format.js';
import { languageOfLocale } from './date-format.js';
import { KsaErrors } from './errors.js';
import { parseIsoDate, type IsoWeekday } from './gregorian-date.js';
import type { LocalizedName, TenantHoliday } from './holidays.js';
import { defaultDigits, isLanguage, SUPPORTED_LANGUAGES, type Digits, type Language } from './language.js';
import { isSupportedCurrency } from './number-format.js';
import {
  DEFAULT_BUSINESS_HOURS,
  DEFAULT_TIMEZONE,
  SAUDI_WORK_WEEK,
  parseBusinessHours,
  validateTimezone,
  validateWorkWeek,
  type BusinessHours,
} from './work-schedule.js';

/** Which official holidays apply: Saudi Arabia's, or none (a tenant abroad lists its own). */
export type OfficialHolidays = 'SA' | 'none';

/** A tenant's locale settings, validated. */
export interface TenantLocaleSettings {
  readonly language: Language;
  /** BCP 47 locale of `language` used for date and time patterns, e.g. `ar-SA`, `en-GB`. */
  readonly locale: string;
  /** IANA time zone. */
  readonly timezone: string;
  /** ISO 4217 currency of the tenant's amounts. */
  readonly currency: string;
  readonly calendarDisplay: CalendarDisplay;
  readonly digits: Digits;
  /** ISO weekdays worked: 1 = Monday ... 7 = Sunday (Luxon's numbering). */
  readonly workWeek: readonly IsoWeekday[];
  readonly businessHours: BusinessHours;
  /** The tenant's own days off. */
  readonly holidays: readonly TenantHoliday[];
  /** Official holidays added to the tenant's own; default `SA`. */
  readonly officialHolidays: OfficialHolidays;
}

/** Settings of a new Saudi tenant: Arabic, Riyadh, SAR, both calendars, Sunday–Thursday 09:00–17:00. */
export const defaultLocaleSettings: TenantLocaleSettings = Object.freeze({
  language: 'ar',
  locale: 'ar-SA',
  timezone: DEFAULT_TIMEZONE,
  currency: 'SAR',
  calendarDisplay: 'both',
  digits: 'arab',
  workWeek: Object.freeze([...SAUDI_WORK_WEEK]),
  businessHours: Object.freeze({ ...DEFAULT_BUSINESS_HOURS }),
  holidays: Object.freeze([]),
  officialHolidays: 'SA',
});

/** Locale used when only a language is given: Saudi Arabic, and day-first British English. */
const DEFAULT_LOCALE: Record<Language, string> = { ar: 'ar-SA', en: 'en-GB' };

const CALENDAR_DISPLAYS: readonly CalendarDisplay[] = ['gregorian', 'hijri', 'both'];
const DIGITS: readonly Digits[] = ['arab', 'latn'];
const OFFICIAL_HOLIDAYS: readonly OfficialHolidays[] = ['SA', 'none'];
const KNOWN_KEYS = Object.keys(defaultLocaleSettings);

/**
 * Validates settings and fills what is missing: the locale and digits from the language, the rest
 * from `defaultLocaleSettings`. Throws `LOCALE_UNSUPPORTED`, `TIMEZONE_UNKNOWN`, `WORK_WEEK_EMPTY`,
 * `WORK_WEEK_INVALID`, `BUSINESS_HOURS_INVALID`, `CURRENCY_UNSUPPORTED`, `GREGORIAN_DATE_INVALID`,
 * `HOLIDAY_INVALID` or `LOCALE_SETTINGS_INVALID` (unknown keys, wrong kinds of value).
 */
export function validateLocaleSettings(input: unknown): TenantLocaleSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw KsaErrors.LOCALE_SETTINGS_INVALID('settings', 'expected an object such as {"language":"ar","timezone":"Asia/Riyadh"}');
  }
  const raw = input as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((key) => !KNOWN_KEYS.includes(key));
  if (unknown.length > 0) throw KsaErrors.LOCALE_SETTINGS_INVALID(unknown.join(', '), `unknown setting; the settings are ${KNOWN_KEYS.join(', ')}`);

  const language = raw['language'] ?? defaultLocaleSettings.language;
  if (!isLanguage(language)) throw KsaErrors.LOCALE_UNSUPPORTED(`Language "${String(language)}"`, `use one of ${SUPPORTED_LANGUAGES.join(', ')}`);
  const currency = raw['currency'] ?? defaultLocaleSettings.currency;
  if (!isSupportedCurrency(currency)) throw KsaErrors.CURRENCY_UNSUPPORTED(String(currency));
  const businessHours = (raw['businessHours'] ?? defaultLocaleSettings.businessHours) as BusinessHours;
  parseBusinessHours(businessHours);

  return {
    language,
    locale: validateLocale(raw['locale'] ?? DEFAULT_LOCALE[language], language),
    timezone: validateTimezone(raw['timezone'] ?? defaultLocaleSettings.timezone),
    currency,
    calendarDisplay: oneOf('calendarDisplay', raw['calendarDisplay'] ?? defaultLocaleSettings.calendarDisplay, CALENDAR_DISPLAYS),
    digits: oneOf('digits', raw['digits'] ?? defaultDigits(language), DIGITS),
    workWeek: validateWorkWeek(raw['workWeek'] ?? defaultLocaleSettings.workWeek),
    businessHours: { start: businessHours.start, end: businessHours.end },
    holidays: validateTenantHolidays(raw['holidays'] ?? []),
    officialHolidays: oneOf('officialHolidays', raw['officialHolidays'] ?? defaultLocaleSettings.officialHolidays, OFFICIAL_HOLIDAYS),
  };
}

function validateLocale(locale: unknown, language: Language): string {
  if (typeof locale !== 'string') throw KsaErrors.LOCALE_UNSUPPORTED(`Locale ${String(locale)}`, 'write a BCP 47 tag such as ar-SA or en-GB');
  let canonical: string;
  try {
    canonical = Intl.getCanonicalLocales(locale)[0] as string;
  } catch {
    throw KsaErrors.LOCALE_UNSUPPORTED(`Locale "${locale}"`, 'write a BCP 47 tag such as ar-SA or en-GB');
  }
  if (languageOfLocale(canonical) !== language) {
    throw KsaErrors.LOCALE_UNSUPPORTED(`Locale "${locale}"`, `its language must match the language setting "${language}"`);
  }
  return canonical;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw KsaErrors.LOCALE_SETTINGS_INVALID(name, `use one of ${allowed.join(', ')}`);
  return value as T;
}

/** Tenant holidays: `{date, name}` where the name is one string or `{ar, en}`. */
function validateTenantHolidays(input: unknown): TenantHoliday[] {
  if (!Array.isArray(input)) throw KsaErrors.LOCALE_SETTINGS_INVALID('holidays', 'expected a list of {"date":"YYYY-MM-DD","name":"..."}');
  return input.map((entry: unknown) => {
    const { date, name } = (entry ?? {}) as { date?: unknown; name?: unknown };
    parseIsoDate(date);
    return { date: date as string, name: localizedName(name, String(date)) };
  });
}

function localizedName(name: unknown, date: string): LocalizedName {
  if (typeof name === 'string' && name.trim() !== '') return { ar: name, en: name };
  const pair = name as Partial<LocalizedName> | null;
  if (typeof pair?.ar === 'string' && typeof pair.en === 'string' && pair.ar.trim() !== '' && pair.en.trim() !== '') {
    return { ar: pair.ar, en: pair.en };
  }
  throw KsaErrors.HOLIDAY_INVALID(date, 'its name must be a non-empty string or {"ar": "...", "en": "..."}');
}
