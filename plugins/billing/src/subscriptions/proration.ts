import { scaleRounded, type Minor } from '../money.js';

/** Whole seconds between two instants (periods start on whole seconds; a stray millisecond is dropped). */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor(to.getTime() / 1000) - Math.floor(from.getTime() / 1000));
}

export interface Proration {
  readonly remainingSeconds: number;
  readonly periodSeconds: number;
  readonly amount: Minor;
}

/**
 * The charge for moving to a dearer plan at `now` inside [periodStart, periodEnd):
 * (newPrice − oldPrice) × remainingSeconds / periodSeconds, rounded half up to the minor unit once.
 * Equivalent to Stripe's credit for unused time on the old price plus the charge for the remaining
 * time on the new one, but rounded once instead of twice.
 */
export function prorateUpgrade(oldPrice: Minor, newPrice: Minor, periodStart: Date, periodEnd: Date, now: Date): Proration {
  const periodSeconds = secondsBetween(periodStart, periodEnd);
  const remainingSeconds = Math.min(periodSeconds, secondsBetween(now, periodEnd));
  if (periodSeconds === 0) return { remainingSeconds: 0, periodSeconds: 0, amount: 0 };
  return { remainingSeconds, periodSeconds, amount: scaleRounded(newPrice - oldPrice, remainingSeconds, periodSeconds) };
}

/** Credit for the unused part of a period (cycle changes start a new period). */
export function unusedCredit(price: Minor, periodStart: Date, periodEnd: Date, now: Date): Minor {
  const periodSeconds = secondsBetween(periodStart, periodEnd);
  if (periodSeconds === 0) return 0;
  return scaleRounded(price, Math.min(periodSeconds, secondsBetween(now, periodEnd)), periodSeconds);
}
