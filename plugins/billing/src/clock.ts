/** Time is passed in, so tests move periods, trial ends and dunning days without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests set and advance by hand. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | number = Date.now()) {
    // Whole seconds: proration is to the second, so tests start on a second boundary.
    this.current = Math.floor(new Date(start).getTime() / 1000) * 1000;
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | number): void {
    this.current = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }

  advanceDays(days: number): void {
    this.advance(days * 86_400_000);
  }
}

const DAY_MS = 86_400_000;
export { DAY_MS };

/**
 * The same day-of-month `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb),
 * in UTC, as Stripe anchors billing periods.
 */
export function addMonths(from: Date, months: number): Date {
  const y = from.getUTCFullYear();
  const m = from.getUTCMonth() + months;
  const target = new Date(Date.UTC(y, m, 1, from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return target;
}
