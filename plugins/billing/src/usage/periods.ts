import { addMonths } from '../clock.js';

export interface Period {
  readonly start: Date;
  readonly end: Date;
}

/**
 * The monthly period containing `at`, counting whole months from `anchor` (the subscription's period
 * start). Months are counted from the anchor, not chained, so 31 January gives 28 February then 31 March.
 */
export function monthlyPeriodAt(anchor: Date, at: Date): Period {
  const a = anchor.getTime();
  const t = at.getTime();
  let k = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  // The estimate is off by at most one either way; step to the month that contains `at`.
  while (k > 0 && addMonths(anchor, k).getTime() > t) k--;
  while (addMonths(anchor, k + 1).getTime() <= t) k++;
  if (t < a) k = Math.min(k, 0);
  return { start: addMonths(anchor, k), end: addMonths(anchor, k + 1) };
}
