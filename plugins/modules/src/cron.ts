/**
 * Five-field cron (minute hour day-of-month month day-of-week) with `*`, lists, ranges and steps.
 * The finest unit is a minute, which is the sandbox's minimum job interval.
 */
export interface CronSchedule {
  matches(date: Date): boolean;
}

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

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`"${expression}" must have five fields`);
  const [minute, hour, day, month, weekday] = parts.map((p, i) => field(p, RANGES[i]!)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const anyDay = parts[2] === '*';
  const anyWeekday = parts[4] === '*';
  return {
    matches(d: Date): boolean {
      if (!minute.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !month.has(d.getUTCMonth() + 1)) return false;
      // Standard cron: when both day fields are restricted, either may match.
      const dayOk = day.has(d.getUTCDate());
      const weekdayOk = weekday.has(d.getUTCDay());
      if (anyDay && anyWeekday) return true;
      if (anyDay) return weekdayOk;
      if (anyWeekday) return dayOk;
      return dayOk || weekdayOk;
    },
  };
}
