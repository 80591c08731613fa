/**
 * Gregorian calendar dates as `YYYY-MM-DD` strings and as day numbers. A date here is a day on the
 * wall calendar, not an instant: it has no time zone, so converting it never shifts by a day.
 * Day numbers (days since 1970-01-01) let the Hijri table and the business calendar do integer
 * arithmetic instead of Date arithmetic.
 */
import { KsaErrors } from './errors.js';

/** A Gregorian calendar date written `YYYY-MM-DD`. */
export type IsoDate = string;

/** ISO weekday: 1 = Monday ... 7 = Sunday (the numbering Luxon uses). */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Parses `YYYY-MM-DD` into its numbers, or throws `GREGORIAN_DATE_INVALID` (e.g. for 2025-02-29). */
export function parseIsoDate(value: unknown): { year: number; month: number; day: number } {
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (!match) throw KsaErrors.GREGORIAN_DATE_INVALID(String(value));
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Date.UTC rolls 2025-02-30 over to March; a round trip catches every impossible day.
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw KsaErrors.GREGORIAN_DATE_INVALID(String(value));
  }
  return { year, month, day };
}

/** Days since 1970-01-01 of a valid `YYYY-MM-DD` date; throws `GREGORIAN_DATE_INVALID` otherwise. */
export function isoDateToDayNumber(value: unknown): number {
  const { year, month, day } = parseIsoDate(value);
  return dayNumberOf(year, month, day);
}

/** Days since 1970-01-01 of year/month/day numbers that are already known to be valid. */
export function dayNumberOf(year: number, month: number, day: number): number {
  // Date.UTC treats years 0..99 as 1900..1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return Math.round(date.getTime() / MS_PER_DAY);
}

/** The `YYYY-MM-DD` date of a day number. */
export function dayNumberToIsoDate(dayNumber: number): IsoDate {
  const date = new Date(dayNumber * MS_PER_DAY);
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

/** ISO weekday of a day number (1970-01-01 was a Thursday). */
export function weekdayOfDayNumber(dayNumber: number): IsoWeekday {
  return ((((dayNumber + 3) % 7) + 7) % 7 + 1) as IsoWeekday;
}

/** ISO weekday of a `YYYY-MM-DD` date. */
export function weekdayOf(date: IsoDate): IsoWeekday {
  return weekdayOfDayNumber(isoDateToDayNumber(date));
}

/** The date `days` days after (or before, when negative) `date`. */
export function addDays(date: IsoDate, days: number): IsoDate {
  return dayNumberToIsoDate(isoDateToDayNumber(date) + days);
}
