import { DAY_MS } from '../clock.js';

/** Failed payments are retried this many days after the first failure; after the last, the tenant is suspended. */
export const DUNNING_RETRY_DAYS: readonly number[] = [1, 3, 7];

/**
 * When to try again after `failedAttempts` failures (counting the first charge), or null when the
 * schedule is exhausted and the tenant should be suspended.
 */
export function nextRetryAt(firstFailedAt: Date, failedAttempts: number): Date | null {
  const days = DUNNING_RETRY_DAYS[failedAttempts - 1];
  return days === undefined ? null : new Date(firstFailedAt.getTime() + days * DAY_MS);
}
