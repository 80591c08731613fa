/**
 * Saudi official holidays for the private and non-profit sectors (the Labor Law's executive
 * regulations, article 24 (2), as the Ministry of Human Resources announces them each year):
 *
 * - Founding Day, 22 February (from 2022) and National Day, 23 September (from 2005): one day each,
 *   with no extra day when they fall on the weekend (that compensation is a civil-service rule).
 * - Eid al-Fitr: four days starting the day after 29 Ramadan, so 30 Ramadan is off when Ramadan has
 *   30 days (2024: 9–12 April; 2025: 30 March – 2 April).
 * - Eid al-Adha: four days starting on the Day of Arafah, 9 Dhu al-Hijjah (2024: 15–18 June).
 *
 * Eid days are computed from the Umm al-Qura calendar given (so a month-start override moves them).
 * A `HolidayOverride` replaces the computed Eid days of one Gregorian year, e.g. with the longer
 * government break or a Royal Order's extra day; tenants add their own days.
 */
import { KsaErrors } from './errors.js';
import { addDays, parseIsoDate, type IsoDate } from './gregorian-date.js';
import { defaultHijriCalendar, type HijriCalendar } from './hijri-calendar.js';

/** Why a day is off: a fixed national day, a religious (Hijri) holiday, or the tenant's own day. */
export type HolidayKind = 'national' | 'religious' | 'tenant';

/** A name in both languages. */
export interface LocalizedName {
  readonly ar: string;
  readonly en: string;
}

/** One day off. */
export interface Holiday {
  readonly date: IsoDate;
  readonly name: LocalizedName;
  readonly kind: HolidayKind;
}

/** The days off of one Gregorian year that replace the computed Eid days of that year. */
export interface HolidayOverride {
  readonly year: number;
  readonly holidays: ReadonlyArray<{ readonly date: IsoDate; readonly name: LocalizedName; readonly kind?: HolidayKind }>;
}

/** A tenant's own day off, e.g. a company anniversary. */
export interface TenantHoliday {
  readonly date: IsoDate;
  readonly name: LocalizedName;
}

export interface HolidayOptions {
  /** Calendar (with its month-start overrides) the Eid days are computed from. */
  readonly calendar?: HijriCalendar;
  /** Per-year replacements of the computed Eid days. */
  readonly overrides?: readonly HolidayOverride[];
  /** Tenant days off, added to the official ones. */
  readonly tenantHolidays?: readonly TenantHoliday[];
  /** Whether the Saudi official days are included (default true; false for a tenant abroad). */
  readonly includeOfficial?: boolean;
}

const FOUNDING_DAY = { since: 2022, monthDay: '02-22', name: { ar: 'يوم التأسيس', en: 'Founding Day' } } as const;
const NATIONAL_DAY = { since: 2005, monthDay: '09-23', name: { ar: 'اليوم الوطني', en: 'National Day' } } as const;

const EID_NAMES = {
  fitr: { ar: 'عيد الفطر', en: 'Eid al-Fitr' },
  fitrBreak: { ar: 'إجازة عيد الفطر', en: 'Eid al-Fitr holiday' },
  arafah: { ar: 'يوم عرفة', en: 'Day of Arafah' },
  adha: { ar: 'عيد الأضحى', en: 'Eid al-Adha' },
  adhaBreak: { ar: 'إجازة عيد الأضحى', en: 'Eid al-Adha holiday' },
} as const satisfies Record<string, LocalizedName>;

/** Length in days of each Eid break in the private sector. */
export const EID_BREAK_DAYS = 4;

const KIND_ORDER: Record<HolidayKind, number> = { national: 0, religious: 1, tenant: 2 };

/**
 * The holidays falling in Gregorian `year`, sorted by date. A Hijri year spans two Gregorian years,
 * so Eid days of both Hijri years that overlap `year` are computed and those inside `year` kept.
 * Throws `DATE_OUT_OF_RANGE` when 1 January of `year` is outside the calendar's range.
 */
export function holidaysForYear(year: number, options: HolidayOptions = {}): Holiday[] {
  if (!Number.isInteger(year)) throw KsaErrors.HOLIDAY_INVALID(String(year), 'the year must be a whole number');
  const calendar = options.calendar ?? defaultHijriCalendar;
  const days: Holiday[] = [];
  if (options.includeOfficial ?? true) {
    days.push(...fixedNationalDays(year));
    const replacement = (options.overrides ?? []).filter((o) => o.year === year);
    days.push(...(replacement.length > 0 ? overrideDays(replacement) : eidDaysInYear(year, calendar)));
  }
  for (const holiday of options.tenantHolidays ?? []) {
    if (parseIsoDate(holiday.date).year === year) days.push({ date: holiday.date, name: holiday.name, kind: 'tenant' });
  }
  return sortAndDeduplicate(days);
}

/** Founding Day and National Day of `year`, for the years they have been holidays. */
function fixedNationalDays(year: number): Holiday[] {
  const padded = String(year).padStart(4, '0');
  return [FOUNDING_DAY, NATIONAL_DAY]
    .filter((day) => year >= day.since)
    .map((day) => ({ date: `${padded}-${day.monthDay}`, name: day.name, kind: 'national' as const }));
}

/** Eid al-Fitr and Eid al-Adha days of the Hijri years overlapping `year`, restricted to `year`. */
function eidDaysInYear(year: number, calendar: HijriCalendar): Holiday[] {
  const padded = String(year).padStart(4, '0');
  const firstHijriYear = calendar.toHijri(`${padded}-01-01`).year;
  // Clamped to the table's end: the first Hijri year after it has no holiday before that December.
  const lastDay = `${padded}-12-31` > calendar.lastSupportedDate ? calendar.lastSupportedDate : `${padded}-12-31`;
  const lastHijriYear = calendar.toHijri(lastDay).year;
  const days: Holiday[] = [];
  for (let hijriYear = firstHijriYear; hijriYear <= lastHijriYear; hijriYear++) {
    days.push(...eidDaysOfHijriYear(hijriYear, calendar));
  }
  return days.filter((day) => day.date.startsWith(`${padded}-`));
}

/** The eight Eid days off of one Hijri year. */
export function eidDaysOfHijriYear(hijriYear: number, calendar: HijriCalendar = defaultHijriCalendar): Holiday[] {
  const fitrStart = addDays(calendar.toGregorian({ year: hijriYear, month: 9, day: 29 }), 1);
  const adhaStart = calendar.toGregorian({ year: hijriYear, month: 12, day: 9 });
  const days: Holiday[] = [];
  for (const start of [fitrStart, adhaStart]) {
    for (let offset = 0; offset < EID_BREAK_DAYS; offset++) {
      const date = addDays(start, offset);
      days.push({ date, name: eidDayName(date, calendar), kind: 'religious' });
    }
  }
  return days;
}

/** Names the feast day itself and the Day of Arafah; the other days are "holiday" of that Eid. */
function eidDayName(date: IsoDate, calendar: HijriCalendar): LocalizedName {
  const { month, day } = calendar.toHijri(date);
  if (month === 10 && day === 1) return EID_NAMES.fitr;
  if (month === 12 && day === 9) return EID_NAMES.arafah;
  if (month === 12 && day === 10) return EID_NAMES.adha;
  return month === 12 ? EID_NAMES.adhaBreak : EID_NAMES.fitrBreak;
}

function overrideDays(overrides: readonly HolidayOverride[]): Holiday[] {
  return overrides.flatMap((override) =>
    override.holidays.map((holiday) => {
      if (parseIsoDate(holiday.date).year !== override.year) {
        throw KsaErrors.HOLIDAY_INVALID(holiday.date, `it is listed in the override for ${override.year}`);
      }
      return { date: holiday.date, name: holiday.name, kind: holiday.kind ?? ('religious' as const) };
    }),
  );
}

function sortAndDeduplicate(days: readonly Holiday[]): Holiday[] {
  const unique = new Map<string, Holiday>();
  for (const day of days) unique.set(`${day.date}|${day.kind}|${day.name.en}`, day);
  return [...unique.values()].sort(
    (a, b) => a.date.localeCompare(b.date) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.en.localeCompare(b.name.en),
  );
}

/** Where a business calendar learns the days off of a Gregorian year. */
export type HolidaySource = (year: number) => readonly Holiday[];

/** Saudi official holidays (plus tenant days), computed once per year and remembered. */
export function saudiHolidaySource(options: HolidayOptions = {}): HolidaySource {
  const byYear = new Map<number, readonly Holiday[]>();
  return (year) => {
    let days = byYear.get(year);
    if (!days) {
      days = holidaysForYear(year, options);
      byYear.set(year, days);
    }
    return days;
  };
}

/** Only the given days: for a tenant outside Saudi Arabia, or tests. */
export function fixedHolidaySource(holidays: readonly TenantHoliday[]): HolidaySource {
  return saudiHolidaySource({ includeOfficial: false, tenantHolidays: holidays });
}
