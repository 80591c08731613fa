/**
 * The parts of a work schedule a tenant configures: which weekdays are worked, the daily business
 * hours and the time zone they are read in. Each is validated here, once, with the coded errors, so
 * the business calendar can trust what it is given.
 */
import { IANAZone } from 'luxon';
import { KsaErrors } from './errors.js';
import type { IsoWeekday } from './gregorian-date.js';

/** Daily business hours, `HH:mm` in the tenant's time zone; `end` may be `24:00`. */
export interface BusinessHours {
  readonly start: string;
  readonly end: string;
}

/** The Saudi work week since 29 June 2013: Sunday to Thursday (ISO 7, 1, 2, 3, 4). */
export const SAUDI_WORK_WEEK: readonly IsoWeekday[] = [7, 1, 2, 3, 4];

/** Default business hours: 09:00 to 17:00. */
export const DEFAULT_BUSINESS_HOURS: BusinessHours = { start: '09:00', end: '17:00' };

/** Default time zone for Saudi tenants. */
export const DEFAULT_TIMEZONE = 'Asia/Riyadh';

/**
 * Checks a work week (ISO weekdays 1 = Monday ... 7 = Sunday) and returns it in Sunday-first order.
 * Throws `WORK_WEEK_EMPTY` for `[]` and `WORK_WEEK_INVALID` for other days or repeats.
 */
export function validateWorkWeek(input: unknown): IsoWeekday[] {
  if (!Array.isArray(input)) throw KsaErrors.WORK_WEEK_INVALID(JSON.stringify(input) ?? String(input));
  if (input.length === 0) throw KsaErrors.WORK_WEEK_EMPTY();
  const days = new Set<IsoWeekday>();
  for (const day of input) {
    if (!Number.isInteger(day) || day < 1 || day > 7 || days.has(day)) {
      throw KsaErrors.WORK_WEEK_INVALID(JSON.stringify(input));
    }
    days.add(day as IsoWeekday);
  }
  // Sunday first, as a Saudi reader lists the week.
  return [...days].sort((a, b) => (a % 7) - (b % 7));
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Business hours as minutes after local midnight. */
export interface DailyWindow {
  readonly startMinute: number;
  readonly endMinute: number;
}

/**
 * Checks business hours and returns them as minutes after midnight. Throws `BUSINESS_HOURS_INVALID`
 * for malformed times or an end not after the start (overnight shifts are not supported).
 */
export function parseBusinessHours(input: unknown): DailyWindow {
  const hours = input as Partial<BusinessHours> | null;
  const shown = JSON.stringify(input) ?? String(input);
  const startMinute = minutesOf(hours?.start, false);
  const endMinute = minutesOf(hours?.end, true);
  if (startMinute === undefined || endMinute === undefined) {
    throw KsaErrors.BUSINESS_HOURS_INVALID(shown, 'start and end must be times written HH:mm, e.g. {"start":"09:00","end":"17:00"}');
  }
  if (endMinute <= startMinute) {
    throw KsaErrors.BUSINESS_HOURS_INVALID(shown, 'the end must be after the start on the same day (overnight hours are not supported)');
  }
  return { startMinute, endMinute };
}

function minutesOf(value: unknown, allowMidnightEnd: boolean): number | undefined {
  if (allowMidnightEnd && value === '24:00') return 24 * 60;
  const match = typeof value === 'string' ? HH_MM.exec(value) : null;
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/**
 * Checks an IANA time zone with Luxon and returns its canonical spelling (`asia/riyadh` becomes
 * `Asia/Riyadh`). Throws `TIMEZONE_UNKNOWN` otherwise; fixed offsets like `UTC+3` are refused
 * because they ignore daylight saving rules a tenant abroad needs.
 */
export function validateTimezone(input: unknown): string {
  if (typeof input !== 'string' || !IANAZone.isValidZone(input)) throw KsaErrors.TIMEZONE_UNKNOWN(String(input));
  return new Intl.DateTimeFormat('en', { timeZone: input }).resolvedOptions().timeZone;
}
