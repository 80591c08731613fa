import { parseCron, type CronSchedule } from '@dogan/tenants';
import { IANAZone } from 'luxon';
import { WorkflowDefinitionErrors as E } from './definition-errors.js';
import { CRON_HORIZON_YEARS } from './limits.js';

/**
 * Cron read as wall-clock time in a time zone, on top of the platform's UTC parser (`parseCron`): the
 * parser runs over "wall time" (the zone's local time written as if it were UTC), and each wall time it
 * finds is turned into the instant it names in the zone.
 *
 * Daylight saving time: a wall time that does not exist (02:30 on the night clocks go forward in
 * Europe/Berlin) is skipped, that day it does not fire; a wall time that happens twice (02:30 on the night
 * clocks go back) fires once, at its first occurrence. Hourly and minutely expressions so fire 23 times
 * on the short day and skip the repeated hour on the long one.
 */
export interface ZonedCron {
  readonly expression: string;
  readonly timeZone: string;
  /** The latest firing at or before `date` (a whole minute), or undefined when none falls within the last 8 years. */
  latestAtOrBefore(date: Date): Date | undefined;
  /** The first firing strictly after `date`, or undefined when none falls within the next 8 years. */
  nextAfter(date: Date): Date | undefined;
}

/** The zone schedules use when neither the trigger nor the tenant names one. */
export const DEFAULT_TIME_ZONE = 'Asia/Riyadh';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const HORIZON_DAYS = CRON_HORIZON_YEARS * 366;
const HORIZON_MS = HORIZON_DAYS * DAY_MS;

/** The zone's offsets (minutes) around an instant: a day either side covers the transitions that matter. */
function offsetsAround(zone: IANAZone, ms: number): number[] {
  return [zone.offset(ms - DAY_MS), zone.offset(ms), zone.offset(ms + DAY_MS)];
}

/** The first instant whose wall time in the zone is `wall`, or undefined when that wall time does not exist. */
function instantOf(zone: IANAZone, wall: number): number | undefined {
  let first: number | undefined;
  for (const offset of offsetsAround(zone, wall)) {
    const instant = wall - offset * MINUTE_MS;
    if (instant + zone.offset(instant) * MINUTE_MS === wall && (first === undefined || instant < first)) first = instant;
  }
  return first;
}

/** The first wall time after `after` that the UTC schedule matches, within `horizon` ms: a widening, then halving search. */
function nextMatch(cron: CronSchedule, after: number, horizon: number): number | undefined {
  // True when a match falls in (after, x]: the latest match at or before x is later than `after`.
  const found = (x: number) => (cron.latestAtOrBefore(new Date(x), (x - after) / DAY_MS)?.getTime() ?? -Infinity) > after;
  const end = after + horizon;
  let lo = Math.floor(after / MINUTE_MS) * MINUTE_MS;
  let span = DAY_MS;
  let hi = Math.min(lo + span, end);
  while (!found(hi)) {
    if (hi >= end) return undefined;
    lo = hi;
    span *= 2;
    hi = Math.min(lo + span, end);
  }
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (found(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** True for an IANA time zone name luxon knows (`Asia/Riyadh`, `UTC`). */
export function isTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/**
 * A cron expression in a time zone. Throws WORKFLOW_CRON_INVALID or WORKFLOW_TIMEZONE_INVALID (with
 * `path`, a JSON pointer for the message, when given).
 */
export function zonedCron(expression: string, timeZone: string, path = ''): ZonedCron {
  let cron: CronSchedule;
  try {
    cron = parseCron(expression);
  } catch (err) {
    throw E.WORKFLOW_CRON_INVALID.with({ path }, expression, path || 'the schedule', (err as Error).message);
  }
  if (!isTimeZone(timeZone)) throw E.WORKFLOW_TIMEZONE_INVALID.with({ path }, timeZone, path || 'the schedule');
  const zone = IANAZone.create(timeZone);
  const wallOf = (ms: number, pick: (offsets: number[]) => number) => ms + pick(offsetsAround(zone, ms)) * MINUTE_MS;
  return {
    expression,
    timeZone,
    latestAtOrBefore(date) {
      const at = date.getTime();
      // No wall time later than this can name an instant at or before `at`.
      let wall = cron.latestAtOrBefore(new Date(wallOf(at, (o) => Math.max(...o))), HORIZON_DAYS)?.getTime();
      while (wall !== undefined && wall >= at - HORIZON_MS) {
        const instant = instantOf(zone, wall);
        if (instant !== undefined && instant <= at) return new Date(instant);
        wall = cron.latestAtOrBefore(new Date(wall - MINUTE_MS), HORIZON_DAYS)?.getTime();
      }
      return undefined;
    },
    nextAfter(date) {
      const at = date.getTime();
      // No wall time up to this one can name an instant after `at`.
      let wall = nextMatch(cron, wallOf(at, (o) => Math.min(...o)), HORIZON_MS);
      while (wall !== undefined && wall <= at + HORIZON_MS) {
        const instant = instantOf(zone, wall);
        if (instant !== undefined && instant > at) return new Date(instant);
        wall = nextMatch(cron, wall, HORIZON_MS);
      }
      return undefined;
    },
  };
}

/** True when the expression fires at no time within 8 years after `from` (`0 0 30 2 *`). */
export function cronNeverFires(expression: string, timeZone: string, from: Date = new Date()): boolean {
  return zonedCron(expression, timeZone).nextAfter(from) === undefined;
}
