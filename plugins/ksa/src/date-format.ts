/**
 * Dates and times for people, with Luxon (ICU underneath) in Arabic or English and either digit
 * system.
 *
 * Hijri dates: Luxon with `outputCalendar: 'islamic-umalqura'` is the formatter, but ICU converts
 * with its own table, which differs from ours before 1420 AH, after 1450 AH and wherever an
 * administrator moved a month. So we let ICU lay out the date (order, spaces, era "هـ"/"AH") and
 * always put in the day, month and year that our `HijriCalendar` computed: where ICU agrees the text
 * is exactly ICU's, and where it does not, the display still matches every conversion.
 */
import { DateTime } from 'luxon';
import { KsaErrors } from './errors.js';
import { isoDateToDayNumber, type IsoDate } from './gregorian-date.js';
import { defaultHijriCalendar, type HijriCalendar } from './hijri-calendar.js';
import { hijriMonthName } from './hijri-months.js';
import { instantToMillis, type Instant } from './instant.js';
import { isLanguage, type Digits, type Language } from './language.js';
import { translate } from './messages.js';
import { toDigits } from './number-format.js';

/** Which calendar(s) a tenant shows dates in. */
export type CalendarDisplay = 'gregorian' | 'hijri' | 'both';

/** `long`: 1 March 2025 / ١ رمضان ١٤٤٦ هـ; `numeric`: 01/03/2025 / ٠١/٠٩/١٤٤٦ هـ (order per locale). */
export type DateStyle = 'long' | 'numeric';

export interface DateFormatOptions {
  /** BCP 47 locale whose language is `ar` or `en`, e.g. `ar-SA`, `en-GB`. */
  readonly locale: string;
  readonly digits: Digits;
  readonly style?: DateStyle;
  /** Calendar for Hijri numbers (with the platform's overrides); default the built-in one. */
  readonly calendar?: HijriCalendar;
}

export interface TimeFormatOptions {
  readonly locale: string;
  readonly digits: Digits;
  /** IANA zone the instant is shown in, e.g. Asia/Riyadh. */
  readonly timezone: string;
}

const STYLE_OPTIONS: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  long: { day: 'numeric', month: 'long', year: 'numeric' },
  numeric: { day: '2-digit', month: '2-digit', year: 'numeric' },
};

/** The language of a locale (`ar-SA` → `ar`); throws `LOCALE_UNSUPPORTED` for other languages. */
export function languageOfLocale(locale: string): Language {
  let language: string;
  try {
    language = new Intl.Locale(locale).language;
  } catch {
    throw KsaErrors.LOCALE_UNSUPPORTED(`Locale "${locale}"`, 'write a BCP 47 tag such as ar-SA or en-GB');
  }
  if (!isLanguage(language)) throw KsaErrors.LOCALE_UNSUPPORTED(`Locale "${locale}"`, 'its language must be ar or en');
  return language;
}

/** A calendar date shown in the Gregorian calendar, e.g. `1 March 2025` (en-GB) or `١ مارس ٢٠٢٥` (ar). */
export function formatGregorianDate(date: IsoDate, options: DateFormatOptions): string {
  isoDateToDayNumber(date); // validates, with the coded error
  return luxonDate(date, options, 'gregory').toLocaleString(STYLE_OPTIONS[options.style ?? 'long']);
}

/** A Gregorian calendar date shown in the Hijri calendar, e.g. `1 Ramadan 1446 AH` or `١ رمضان ١٤٤٦ هـ`. */
export function formatHijriDate(date: IsoDate, options: DateFormatOptions): string {
  const language = languageOfLocale(options.locale);
  const hijri = (options.calendar ?? defaultHijriCalendar).toHijri(date);
  const style = options.style ?? 'long';
  const numeral = (n: number, width: number) => toDigits(String(n).padStart(width, '0'), options.digits);
  const width = style === 'numeric' ? 2 : 1;
  return luxonDate(date, options, 'islamic-umalqura')
    .toLocaleParts(STYLE_OPTIONS[style])
    .map((part) => {
      // `relatedYear` is what some locales emit for the year of a non-Gregorian calendar.
      switch (part.type as string) {
        case 'day':
          return numeral(hijri.day, width);
        case 'month':
          return style === 'numeric' ? numeral(hijri.month, 2) : hijriMonthName(language, hijri.month);
        case 'year':
        case 'relatedYear':
          return numeral(hijri.year, 1);
        default:
          return part.value;
      }
    })
    .join('');
}

/**
 * A date in the tenant's chosen calendar display; `both` joins the two with the catalog's
 * `date.both` template (English: Gregorian first, Arabic: Hijri first with "الموافق").
 */
export function formatDate(date: IsoDate, display: CalendarDisplay, options: DateFormatOptions): string {
  if (display === 'gregorian') return formatGregorianDate(date, options);
  if (display === 'hijri') return formatHijriDate(date, options);
  return translate(languageOfLocale(options.locale), 'date.both', {
    gregorian: formatGregorianDate(date, options),
    hijri: formatHijriDate(date, options),
  });
}

/** The wall-clock time of an instant in a zone: `9:05 AM` (en-US), `09:05` (en-GB), `٩:٠٥ ص` (ar-SA). */
export function formatTime(instant: Instant, options: TimeFormatOptions): string {
  // Luxon's preset, which lets the locale choose its clock and hour padding.
  return zoned(instant, options).toLocaleString(DateTime.TIME_SIMPLE);
}

/** An instant as date and time in a zone; the date follows the calendar display. */
export function formatDateTime(
  instant: Instant,
  display: CalendarDisplay,
  options: TimeFormatOptions & Omit<DateFormatOptions, 'locale' | 'digits'>,
): string {
  const date = zoned(instant, options).toISODate() as IsoDate;
  return translate(languageOfLocale(options.locale), 'date.dateTime', {
    date: formatDate(date, display, options),
    time: formatTime(instant, options),
  });
}

function luxonDate(date: IsoDate, options: DateFormatOptions, outputCalendar: 'gregory' | 'islamic-umalqura'): DateTime {
  languageOfLocale(options.locale);
  // A calendar date has no zone; UTC midnight keeps ICU from moving it to a neighbouring day.
  return DateTime.fromISO(date, { zone: 'UTC', locale: options.locale, numberingSystem: options.digits, outputCalendar });
}

function zoned(instant: Instant, options: TimeFormatOptions): DateTime {
  languageOfLocale(options.locale);
  return DateTime.fromMillis(instantToMillis(instant), {
    zone: options.timezone,
    locale: options.locale,
    numberingSystem: options.digits,
  });
}
