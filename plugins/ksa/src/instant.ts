/**
 * Instants: points on the time line, as a `Date` or an ISO 8601 date-time string. A string must
 * carry its offset (`Z` or `+03:00`): "2025-03-02T09:00" alone would mean a different instant in
 * Riyadh and in London, and guessing is how deadlines end up three hours wrong.
 */
import { DateTime } from 'luxon';
import { KsaErrors } from './errors.js';

/** A point in time: a `Date`, or an ISO 8601 date-time with an offset. */
export type Instant = Date | string;

const HAS_OFFSET = /T.*(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** Milliseconds since the epoch of an instant; throws `INSTANT_INVALID` for anything else. */
export function instantToMillis(instant: unknown): number {
  if (instant instanceof Date) {
    const ms = instant.getTime();
    if (Number.isNaN(ms)) throw KsaErrors.INSTANT_INVALID('Invalid Date');
    return ms;
  }
  if (typeof instant === 'string' && HAS_OFFSET.test(instant)) {
    const parsed = DateTime.fromISO(instant, { setZone: true });
    if (parsed.isValid) return parsed.toMillis();
  }
  throw KsaErrors.INSTANT_INVALID(String(instant));
}
