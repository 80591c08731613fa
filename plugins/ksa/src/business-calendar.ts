/**
 * Business-day and business-hour arithmetic for one tenant: its work week, its daily hours read in
 * its own time zone, and its holidays. Dates (`YYYY-MM-DD`) are days on the tenant's wall calendar;
 * instants are points in time, placed on that calendar through the tenant's zone (so daylight saving
 * in Europe/London moves the instants, not the local 09:00).
 */
import { DateTime } from 'luxon';
import { KsaErrors } from './errors.js';
import { addDays, isoDateToDayNumber, parseIsoDate, weekdayOfDayNumber, type IsoDate, type IsoWeekday } from './gregorian-date.js';
import { saudiHolidaySource, type HolidaySource } from './holidays.js';
import { instantToMillis, type Instant } from './instant.js';
import {
  DEFAULT_BUSINESS_HOURS,
  DEFAULT_TIMEZONE,
  SAUDI_WORK_WEEK,
  parseBusinessHours,
  validateTimezone,
  validateWorkWeek,
  type BusinessHours,
  type DailyWindow,
} from './work-schedule.js';

export interface BusinessCalendarOptions {
  /** ISO weekdays worked (1 = Monday ... 7 = Sunday); default Sunday–Thursday. */
  readonly workWeek?: readonly number[];
  /** Daily hours in the tenant's zone; default 09:00–17:00. */
  readonly businessHours?: BusinessHours;
  /** IANA time zone; default Asia/Riyadh. */
  readonly timezone?: string;
  /** Days off by Gregorian year; default the Saudi official holidays. */
  readonly holidays?: HolidaySource;
}

/** Business time between two instants, in both units callers usually want. */
export interface BusinessDuration {
  readonly milliseconds: number;
  readonly minutes: number;
}

/** How far the calendar looks for a business day before deciding the schedule has none. */
const SEARCH_LIMIT_DAYS = 3660;
const MS_PER_MINUTE = 60_000;

/**
 * A tenant's business calendar. Immutable; holiday lists are computed once per year and remembered.
 * With the default Saudi holidays, dates whose year the Umm al-Qura table cannot cover (before 1946,
 * after 2077) throw `DATE_OUT_OF_RANGE`.
 */
export class BusinessCalendar {
  readonly workWeek: readonly IsoWeekday[];
  readonly businessHours: BusinessHours;
  readonly timezone: string;
  private readonly window: DailyWindow;
  private readonly holidays: HolidaySource;
  private readonly holidayDatesByYear = new Map<number, ReadonlySet<IsoDate>>();

  /** Validates every option; throws `WORK_WEEK_EMPTY`, `TIMEZONE_UNKNOWN`, `BUSINESS_HOURS_INVALID`... */
  constructor(options: BusinessCalendarOptions = {}) {
    this.workWeek = validateWorkWeek(options.workWeek ?? SAUDI_WORK_WEEK);
    const hours = options.businessHours ?? DEFAULT_BUSINESS_HOURS;
    this.window = parseBusinessHours(hours);
    this.businessHours = { start: hours.start, end: hours.end };
    this.timezone = validateTimezone(options.timezone ?? DEFAULT_TIMEZONE);
    this.holidays = options.holidays ?? saudiHolidaySource();
  }

  /** True when `date` is a day of the work week and not a holiday. */
  isBusinessDay(date: IsoDate): boolean {
    return this.workWeek.includes(weekdayOfDayNumber(isoDateToDayNumber(date))) && !this.isHoliday(date);
  }

  /** True when `date` is one of the calendar's holidays (whatever the weekday). */
  isHoliday(date: IsoDate): boolean {
    const { year } = parseIsoDate(date);
    let dates = this.holidayDatesByYear.get(year);
    if (!dates) {
      dates = new Set(this.holidays(year).map((holiday) => holiday.date));
      this.holidayDatesByYear.set(year, dates);
    }
    return dates.has(date);
  }

  /** The first business day strictly after `date`. */
  nextBusinessDay(date: IsoDate): IsoDate {
    return this.stepToBusinessDay(date, 1);
  }

  /** The last business day strictly before `date`. */
  previousBusinessDay(date: IsoDate): IsoDate {
    return this.stepToBusinessDay(date, -1);
  }

  /**
   * Moves `n` business days from `date`; the start day itself is never counted.
   * - `n > 0`: forward (Thursday + 1 is the next Sunday in Saudi Arabia);
   * - `n < 0`: backward (e.g. "3 business days before the due date");
   * - `n = 0`: `date` itself when it is a business day, else the next business day (a due date
   *   falling on a weekend or holiday rolls forward).
   */
  addBusinessDays(date: IsoDate, n: number): IsoDate {
    if (!Number.isInteger(n)) throw KsaErrors.ARGUMENT_INVALID(`Business day count ${n}`, 'it must be a whole number');
    if (n === 0) return this.isBusinessDay(date) ? date : this.nextBusinessDay(date);
    let current = date;
    for (let moved = 0; moved < Math.abs(n); moved++) current = this.stepToBusinessDay(current, Math.sign(n) as 1 | -1);
    return current;
  }

  /**
   * Business time between two instants: only the business hours of business days, in the
   * tenant's zone. Negative when `end` is before `start`.
   */
  businessHoursBetween(start: Instant, end: Instant): BusinessDuration {
    const from = instantToMillis(start);
    const to = instantToMillis(end);
    const sign = to < from ? -1 : 1;
    const [low, high] = sign === 1 ? [from, to] : [to, from];
    let total = 0;
    for (let date = this.localDate(low); date <= this.localDate(high); date = addDays(date, 1)) {
      const hours = this.openingHours(date);
      if (hours) total += Math.max(0, Math.min(hours.closes, high) - Math.max(hours.opens, low));
    }
    const milliseconds = sign * total;
    return { milliseconds, minutes: milliseconds / MS_PER_MINUTE };
  }

  /**
   * The instant at which `businessHours` hours of business time have passed since `start`. A start
   * outside business hours begins counting at the next opening; 0 hours gives that opening (or
   * `start` itself during business hours). Fractions of an hour are allowed.
   */
  slaDeadline(start: Instant, businessHours: number): Date {
    if (!Number.isFinite(businessHours) || businessHours < 0) {
      throw KsaErrors.ARGUMENT_INVALID(`SLA of ${businessHours} business hours`, 'it must be zero or more hours');
    }
    const from = instantToMillis(start);
    let remaining = Math.round(businessHours * 60 * MS_PER_MINUTE);
    let date = this.localDate(from);
    for (let idle = 0; idle <= SEARCH_LIMIT_DAYS; date = addDays(date, 1)) {
      const hours = this.openingHours(date);
      const opens = hours ? Math.max(hours.opens, from) : 0;
      if (!hours || opens >= hours.closes) {
        idle++;
        continue;
      }
      idle = 0;
      if (remaining <= hours.closes - opens) return new Date(opens + remaining);
      remaining -= hours.closes - opens;
    }
    throw KsaErrors.BUSINESS_DAY_NOT_FOUND(SEARCH_LIMIT_DAYS, this.localDate(from));
  }

  /** Opening and closing instants (ms) of `date` in the tenant's zone, or null on a day off. */
  openingHours(date: IsoDate): { opens: number; closes: number } | null {
    if (!this.isBusinessDay(date)) return null;
    const { year, month, day } = parseIsoDate(date);
    // Built from wall-clock fields (not midnight + a duration), so 09:00 stays 09:00 on the days
    // daylight saving starts or ends; 24:00 is the next day's midnight.
    const at = (minute: number) =>
      minute === 24 * 60
        ? DateTime.fromObject({ year, month, day }, { zone: this.timezone }).plus({ days: 1 }).toMillis()
        : DateTime.fromObject({ year, month, day, hour: Math.floor(minute / 60), minute: minute % 60 }, { zone: this.timezone }).toMillis();
    return { opens: at(this.window.startMinute), closes: at(this.window.endMinute) };
  }

  /** The tenant's calendar date at an instant. */
  localDate(instant: Instant | number): IsoDate {
    const ms = typeof instant === 'number' ? instant : instantToMillis(instant);
    return DateTime.fromMillis(ms, { zone: this.timezone }).toISODate() as IsoDate;
  }

  private stepToBusinessDay(date: IsoDate, direction: 1 | -1): IsoDate {
    let current = date;
    for (let step = 0; step < SEARCH_LIMIT_DAYS; step++) {
      current = addDays(current, direction);
      if (this.isBusinessDay(current)) return current;
    }
    throw KsaErrors.BUSINESS_DAY_NOT_FOUND(SEARCH_LIMIT_DAYS, date);
  }
}
