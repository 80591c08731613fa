/**
 * Formatting for people in one place: the standalone functions (dates, times, numbers, money,
 * plurals, direction) and `createFormatter`, which binds them to a tenant's language, locale, zone,
 * digits, calendar display and currency so callers cannot mix one tenant's settings with another's.
 */
import {
  formatDate,
  formatDateTime,
  formatGregorianDate,
  formatHijriDate,
  formatTime,
  type CalendarDisplay,
  type DateStyle,
} from './date-format.js';
import type { IsoDate } from './gregorian-date.js';
import { defaultHijriCalendar, type HijriCalendar } from './hijri-calendar.js';
import type { Instant } from './instant.js';
import { textDirection, type Digits, type Language, type TextDirection } from './language.js';
import { translate, type MessageKey, type MessageParams } from './messages.js';
import { formatMoney, formatNumber } from './number-format.js';
import { plural, type PluralForms } from './plural.js';

export {
  formatDate,
  formatDateTime,
  formatGregorianDate,
  formatHijriDate,
  formatTime,
  languageOfLocale,
  type CalendarDisplay,
  type DateFormatOptions,
  type DateStyle,
  type TimeFormatOptions,
} from './date-format.js';
export { CURRENCY_SPACE, SEPARATORS, currencyLabel, formatMoney, formatNumber, minorUnitExponent, toDigits, type MoneyFormatOptions } from './number-format.js';
export { plural, type PluralForms } from './plural.js';
export { textDirection, defaultDigits, type Digits, type Language, type TextDirection } from './language.js';

/** What a formatter is bound to (a subset of a tenant's locale settings). */
export interface LocaleFormatterOptions {
  readonly language: Language;
  /** BCP 47 locale of the same language, e.g. `ar-SA`, `en-GB`. */
  readonly locale: string;
  readonly timezone: string;
  readonly digits: Digits;
  readonly calendarDisplay: CalendarDisplay;
  /** ISO 4217 code for `money` when none is given. */
  readonly currency: string;
  /** Hijri calendar with the platform's month overrides; default the built-in one. */
  readonly calendar?: HijriCalendar;
}

/** Formatting bound to one tenant's settings. */
export interface LocaleFormatter {
  readonly language: Language;
  /** `rtl` for Arabic, `ltr` for English. */
  readonly direction: TextDirection;
  /** A date in the tenant's calendar display (or the one given). */
  date(date: IsoDate, display?: CalendarDisplay, style?: DateStyle): string;
  gregorianDate(date: IsoDate, style?: DateStyle): string;
  hijriDate(date: IsoDate, style?: DateStyle): string;
  /** Wall-clock time of an instant in the tenant's zone. */
  time(instant: Instant): string;
  /** Date and time of an instant in the tenant's zone. */
  dateTime(instant: Instant): string;
  /** An integer amount of minor units, in the tenant's currency unless another is given. */
  money(minorUnits: bigint | number, currency?: string): string;
  number(value: number | bigint, options?: Intl.NumberFormatOptions): string;
  plural(count: number, forms: PluralForms): string;
  translate(key: MessageKey, params?: MessageParams): string;
}

/** Binds the formatting functions to one tenant's settings. */
export function createFormatter(options: LocaleFormatterOptions): LocaleFormatter {
  const { language, locale, timezone, digits } = options;
  const calendar = options.calendar ?? defaultHijriCalendar;
  const dateOptions = (style: DateStyle = 'long') => ({ locale, digits, style, calendar });
  return {
    language,
    direction: textDirection(language),
    date: (date, display = options.calendarDisplay, style) => formatDate(date, display, dateOptions(style)),
    gregorianDate: (date, style) => formatGregorianDate(date, dateOptions(style)),
    hijriDate: (date, style) => formatHijriDate(date, dateOptions(style)),
    time: (instant) => formatTime(instant, { locale, digits, timezone }),
    dateTime: (instant) => formatDateTime(instant, options.calendarDisplay, { locale, digits, timezone, calendar }),
    money: (minorUnits, currency = options.currency) => formatMoney(minorUnits, { language, digits, currency }),
    number: (value, numberOptions) => formatNumber(value, language, digits, numberOptions),
    plural: (count, forms) => plural(language, count, forms, digits),
    translate: (key, params) => translate(language, key, params, { digits }),
  };
}
