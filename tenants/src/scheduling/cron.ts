/**
 * Five-field cron (minute hour day-of-month month day-of-week) in UTC, with `*`, lists, ranges and
 * steps. The finest unit is a minute. It lives beside the cluster scheduler, which computes due times
 * from it; the modules plugin reads its modules' job schedules with it.
 */
export interface CronSchedule {
  matches(date: Date): boolean;
  /**
   * The start of the latest matching minute at or before `date`, or undefined when none falls within
   * `withinDays` before it (a `0 0 29 2 *` job matches once in four years).
   */
  latestAtOrBefore(date: Date, withinDays?: number): Date | undefined;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Four years and a day: far enough back to find the last 29 February. */
const SEARCH_DAYS = 4 * 366 + 1;

const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

function field(text: string, [min, max]: [number, number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a cron field`);
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to || step < 1) throw new Error(`"${part}" is out of range ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses a five-field expression; throws an Error naming the field that is wrong. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`"${expression}" must have five fields`);
  const [minute, hour, day, month, weekday] = parts.map((p, i) => field(p, RANGES[i]!)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const anyDay = parts[2] === '*';
  const anyWeekday = parts[4] === '*';
  const dayMatches = (d: Date): boolean => {
    if (!month.has(d.getUTCMonth() + 1)) return false;
    // Standard cron: when both day fields are restricted, either may match.
    const dayOk = day.has(d.getUTCDate());
    const weekdayOk = weekday.has(d.getUTCDay());
    if (anyDay && anyWeekday) return true;
    if (anyDay) return weekdayOk;
    if (anyWeekday) return dayOk;
    return dayOk || weekdayOk;
  };
  return {
    matches: (d) => minute.has(d.getUTCMinutes()) && hour.has(d.getUTCHours()) && dayMatches(d),
    latestAtOrBefore(date, withinDays = SEARCH_DAYS) {
      let t = Math.floor(date.getTime() / MINUTE_MS) * MINUTE_MS;
      const limit = t - withinDays * 24 * HOUR_MS;
      // Skips a whole day or hour that cannot match, so a search costs days + hours + minutes steps.
      while (t >= limit) {
        const d = new Date(t);
        if (!dayMatches(d)) t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - MINUTE_MS;
        else if (!hour.has(d.getUTCHours())) t = Math.floor(t / HOUR_MS) * HOUR_MS - MINUTE_MS;
        else if (!minute.has(d.getUTCMinutes())) t -= MINUTE_MS;
        else return d;
      }
      return undefined;
    },
  };
}
