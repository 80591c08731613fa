import { parseCron } from './cron.js';

/**
 * When a job is due: every `intervalMs` (due times are multiples of it since the Unix epoch, so every
 * node names the same instants whenever it started), or at the minutes a five-field UTC cron matches.
 * `cronMinuteMs` shortens a cron minute for tests (default 60 000: real minutes).
 */
export type Schedule = { readonly intervalMs: number; readonly cron?: undefined } | { readonly cron: string; readonly cronMinuteMs?: number; readonly intervalMs?: undefined };

/** Due times of one schedule, in milliseconds since the epoch. */
export interface Cadence {
  /** The latest due time at or before `now`; undefined when there is none within reach. */
  latestDue(now: number): number | undefined;
  /** How many due times lie strictly between `after` and `before`, counting at most `cap`. */
  countBetween(after: number, before: number, cap?: number): number;
  /** Interval between looks: the interval, or one cron minute. */
  readonly periodMs: number;
}

/** Shortest interval or cron minute: tests run many due times in seconds; production uses minutes. */
export const MIN_PERIOD_MS = 10;
const MAX_PERIOD_MS = 2_147_483_647;
const MINUTE_MS = 60_000;
const COUNT_CAP = 100_000;

/** Why a schedule is unusable, or undefined when it is fine. */
export function scheduleProblem(schedule: Schedule): string | undefined {
  const period = (ms: number | undefined, what: string) =>
    ms !== undefined && (!Number.isInteger(ms) || ms < MIN_PERIOD_MS || ms > MAX_PERIOD_MS) ? `${what} must be an integer from ${MIN_PERIOD_MS} to ${MAX_PERIOD_MS} ms` : undefined;
  if ((schedule.intervalMs === undefined) === (schedule.cron === undefined)) return 'give either intervalMs or cron';
  if (schedule.cron === undefined) return period(schedule.intervalMs, 'intervalMs');
  try {
    parseCron(schedule.cron);
  } catch (err) {
    return `cron ${(err as Error).message}`;
  }
  return period(schedule.cronMinuteMs, 'cronMinuteMs');
}

function intervalCadence(every: number): Cadence {
  return {
    periodMs: every,
    latestDue: (now) => Math.floor(now / every) * every,
    countBetween: (after, before, cap = COUNT_CAP) => Math.min(cap, Math.max(0, Math.floor((before - 1) / every) - Math.floor(after / every))),
  };
}

/** Cron minutes on a clock whose minute lasts `minuteMs`: cron minute k begins at k x minuteMs. */
function cronCadence(expression: string, minuteMs: number): Cadence {
  const cron = parseCron(expression);
  const latestMinute = (now: number) => cron.latestAtOrBefore(new Date(Math.floor(now / minuteMs) * MINUTE_MS))?.getTime();
  return {
    periodMs: minuteMs,
    latestDue(now) {
      const minute = latestMinute(now);
      return minute === undefined ? undefined : (minute / MINUTE_MS) * minuteMs;
    },
    countBetween(after, before, cap = COUNT_CAP) {
      let count = 0;
      for (let due = latestMinute(before - 1); due !== undefined && count < cap; due = latestMinute(((due / MINUTE_MS) * minuteMs) - 1)) {
        if ((due / MINUTE_MS) * minuteMs <= after) break;
        count++;
      }
      return count;
    },
  };
}

/** The due times of a valid schedule (see scheduleProblem). */
export function cadenceOf(schedule: Schedule): Cadence {
  return schedule.cron === undefined ? intervalCadence(schedule.intervalMs) : cronCadence(schedule.cron, schedule.cronMinuteMs ?? MINUTE_MS);
}
