/**
 * Conversions between Gregorian dates and Hijri (Umm al-Qura) dates, with month-start overrides.
 *
 * The calendar is a list of month starts (day numbers). An override moves one month's first day, so
 * the previous month and that month change length together and every conversion in both months
 * follows: there is one table, and toHijri / toGregorian / monthLength all read it.
 */
import { KsaErrors } from './errors.js';
import { dayNumberToIsoDate, isoDateToDayNumber, type IsoDate } from './gregorian-date.js';
import { HIJRI_MONTH_NAMES } from './hijri-months.js';
import {
  FIRST_SUPPORTED_HIJRI_YEAR,
  LAST_SUPPORTED_HIJRI_YEAR,
  PACKAGE_MONTH_STARTS,
  SUPPORTED_MONTH_COUNT,
  UMM_AL_QURA_CORRECTIONS,
  monthIndexOf,
} from './umm-al-qura-table.js';

/** A Hijri date: month 1 = Muharram ... 12 = Dhu al-Hijjah. */
export interface HijriDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/**
 * A platform administrator's decision that a Hijri month starts on another day than the calculated
 * calendar says (e.g. the Supreme Court's announcement of 1 Shawwal). Plain data, stored by the platform.
 */
export interface HijriMonthOverride {
  readonly year: number;
  readonly month: number;
  /** Gregorian `YYYY-MM-DD` of the month's first day. */
  readonly firstDay: IsoDate;
}

/** Writes a Hijri date as `YYYY-MM-DD` (e.g. `1446-09-01`), the form used in messages and APIs. */
export function formatHijriIso(date: HijriDate): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

const HIJRI_ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Umm al-Qura calendar with optional month-start overrides; immutable once built. */
export class HijriCalendar {
  /** The administrator overrides this calendar applies (on top of the built-in corrections). */
  readonly overrides: readonly HijriMonthOverride[];
  private readonly starts: readonly number[];

  /**
   * @param overrides month-start overrides; each must leave the previous month and the overridden
   *   month 29 or 30 days long, otherwise `HIJRI_OVERRIDE_INVALID` is thrown.
   */
  constructor(overrides: readonly HijriMonthOverride[] = []) {
    this.overrides = overrides.map((o) => ({ year: o.year, month: o.month, firstDay: o.firstDay }));
    this.starts = applyMonthStarts(overrides);
  }

  /** First Gregorian day the calendar converts (1 Muharram 1365, unless overridden). */
  get firstSupportedDate(): IsoDate {
    return dayNumberToIsoDate(this.starts[0] as number);
  }

  /** Last Gregorian day the calendar converts (30 Dhu al-Hijjah 1500, unless overridden). */
  get lastSupportedDate(): IsoDate {
    return dayNumberToIsoDate((this.starts[SUPPORTED_MONTH_COUNT] as number) - 1);
  }

  /** The Hijri date of a Gregorian `YYYY-MM-DD` date. */
  toHijri(date: IsoDate): HijriDate {
    const dayNumber = isoDateToDayNumber(date);
    const index = this.monthIndexContaining(dayNumber);
    if (index < 0) throw KsaErrors.DATE_OUT_OF_RANGE(`Gregorian date ${date}`, this.describeRange());
    return {
      year: FIRST_SUPPORTED_HIJRI_YEAR + Math.floor(index / 12),
      month: (index % 12) + 1,
      day: dayNumber - (this.starts[index] as number) + 1,
    };
  }

  /** The Gregorian `YYYY-MM-DD` date of a Hijri date; throws the coded errors for impossible dates. */
  toGregorian(date: HijriDate): IsoDate {
    const valid = this.validateHijriDate(date);
    const start = this.starts[monthIndexOf(valid.year, valid.month)] as number;
    return dayNumberToIsoDate(start + valid.day - 1);
  }

  /** Length in days (29 or 30) of a Hijri month. */
  monthLength(year: number, month: number): 29 | 30 {
    return this.lengthAt(this.checkedMonthIndex(year, month, `${year}-${month}`)) as 29 | 30;
  }

  /** Gregorian `YYYY-MM-DD` of the first day of a Hijri month. */
  monthStart(year: number, month: number): IsoDate {
    return dayNumberToIsoDate(this.starts[this.checkedMonthIndex(year, month, `${year}-${month}`)] as number);
  }

  /** True when `date` is a real day of this calendar. */
  isValidHijriDate(date: HijriDate): boolean {
    try {
      this.validateHijriDate(date);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Returns `date` as a `HijriDate` when it is a real day, else throws `HIJRI_DATE_INVALID`
   * (month 13, day 30 of a 29-day month, non-integers) or `DATE_OUT_OF_RANGE` (year outside range).
   */
  validateHijriDate(date: unknown): HijriDate {
    const { year, month, day } = (typeof date === 'object' && date !== null ? date : {}) as Record<string, unknown>;
    if (!isWhole(year) || !isWhole(month) || !isWhole(day)) {
      throw KsaErrors.HIJRI_DATE_INVALID(JSON.stringify(date) ?? String(date), 'year, month and day must be whole numbers');
    }
    const shown = formatHijriIso({ year, month, day });
    const length = this.lengthAt(this.checkedMonthIndex(year, month, shown));
    if (day < 1 || day > length) {
      const monthName = HIJRI_MONTH_NAMES.en[month - 1];
      throw KsaErrors.HIJRI_DATE_INVALID(shown, `${monthName} ${year} has ${length} days, so the day must be 1 to ${length}`);
    }
    return { year, month, day };
  }

  /** Parses a Hijri `YYYY-MM-DD` string (e.g. `1446-09-01`) into a validated `HijriDate`. */
  parseHijriDate(value: unknown): HijriDate {
    const match = typeof value === 'string' ? HIJRI_ISO.exec(value) : null;
    if (!match) throw KsaErrors.HIJRI_DATE_INVALID(String(value), 'expected YYYY-MM-DD, e.g. 1446-09-01');
    return this.validateHijriDate({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) });
  }

  /** The supported range in words, for error messages. */
  describeRange(): string {
    const last = { year: LAST_SUPPORTED_HIJRI_YEAR, month: 12, day: this.monthLength(LAST_SUPPORTED_HIJRI_YEAR, 12) };
    return (
      `Hijri ${formatHijriIso({ year: FIRST_SUPPORTED_HIJRI_YEAR, month: 1, day: 1 })} to ${formatHijriIso(last)} ` +
      `(Gregorian ${this.firstSupportedDate} to ${this.lastSupportedDate})`
    );
  }

  /** Table index of a month; `shown` is how the caller's input appears in the error message. */
  private checkedMonthIndex(year: number, month: number, shown: string): number {
    if (!isWhole(month) || month < 1 || month > 12) {
      throw KsaErrors.HIJRI_DATE_INVALID(shown, 'the month must be 1 (Muharram) to 12 (Dhu al-Hijjah)');
    }
    if (!isWhole(year) || year < FIRST_SUPPORTED_HIJRI_YEAR || year > LAST_SUPPORTED_HIJRI_YEAR) {
      throw KsaErrors.DATE_OUT_OF_RANGE(`Hijri date ${shown}`, this.describeRange());
    }
    return monthIndexOf(year, month);
  }

  private lengthAt(index: number): number {
    return (this.starts[index + 1] as number) - (this.starts[index] as number);
  }

  /** Binary search for the month whose start is the last one on or before `dayNumber`; -1 outside. */
  private monthIndexContaining(dayNumber: number): number {
    const starts = this.starts;
    if (dayNumber < (starts[0] as number) || dayNumber >= (starts[SUPPORTED_MONTH_COUNT] as number)) return -1;
    let low = 0;
    let high = SUPPORTED_MONTH_COUNT - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] as number) <= dayNumber) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

function isWhole(value: unknown): value is number {
  return Number.isInteger(value);
}

/** Package table + corrections + overrides, checked so that every touched month is 29 or 30 days. */
function applyMonthStarts(overrides: readonly HijriMonthOverride[]): number[] {
  const starts = PACKAGE_MONTH_STARTS.slice();
  for (const correction of UMM_AL_QURA_CORRECTIONS) {
    starts[monthIndexOf(correction.year, correction.month)] = isoDateToDayNumber(correction.firstDay);
  }
  const seen = new Map<number, HijriMonthOverride>();
  for (const override of overrides) {
    const label = describeOverride(override);
    const { year, month } = override;
    if (!Number.isInteger(year) || !Number.isInteger(month) || month < 1 || month > 12) {
      throw KsaErrors.HIJRI_OVERRIDE_INVALID(label, 'the month must be 1 (Muharram) to 12 (Dhu al-Hijjah) of a whole year');
    }
    if (year < FIRST_SUPPORTED_HIJRI_YEAR || year > LAST_SUPPORTED_HIJRI_YEAR) {
      throw KsaErrors.DATE_OUT_OF_RANGE(`Hijri month override ${label}`, `Hijri years ${FIRST_SUPPORTED_HIJRI_YEAR} to ${LAST_SUPPORTED_HIJRI_YEAR}`);
    }
    const index = monthIndexOf(year, month);
    const earlier = seen.get(index);
    if (earlier && earlier.firstDay !== override.firstDay) {
      throw KsaErrors.HIJRI_OVERRIDE_INVALID(label, `it conflicts with ${describeOverride(earlier)} for the same month`);
    }
    seen.set(index, override);
    starts[index] = isoDateToDayNumber(override.firstDay);
  }
  // Checked after all overrides are in, so two adjacent overrides are judged together.
  for (const [index, override] of seen) {
    for (const touched of [index - 1, index]) {
      if (touched < 0) continue;
      const length = (starts[touched + 1] as number) - (starts[touched] as number);
      if (length !== 29 && length !== 30) {
        const name = HIJRI_MONTH_NAMES.en[touched % 12];
        const touchedYear = FIRST_SUPPORTED_HIJRI_YEAR + Math.floor(touched / 12);
        throw KsaErrors.HIJRI_OVERRIDE_INVALID(
          describeOverride(override),
          `${name} ${touchedYear} would be ${length} days long; a Hijri month has 29 or 30 days`,
        );
      }
    }
  }
  return starts;
}

function describeOverride(override: HijriMonthOverride): string {
  return `${override.year}-${String(override.month).padStart(2, '0')} starting ${override.firstDay}`;
}

/** The calendar with the built-in corrections and no administrator overrides. */
export const defaultHijriCalendar = new HijriCalendar();

/** Hijri date of a Gregorian `YYYY-MM-DD` date, on the default calendar. */
export function toHijri(date: IsoDate): HijriDate {
  return defaultHijriCalendar.toHijri(date);
}

/** Gregorian `YYYY-MM-DD` of a Hijri date, on the default calendar. */
export function toGregorian(date: HijriDate): IsoDate {
  return defaultHijriCalendar.toGregorian(date);
}

/** Length (29 or 30) of a Hijri month, on the default calendar. */
export function monthLength(year: number, month: number): 29 | 30 {
  return defaultHijriCalendar.monthLength(year, month);
}
