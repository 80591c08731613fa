/** Bounds of a workflow definition, checked when it is saved; exported so the API and the UI can show them. */

/** Steps in all: nested steps and compensation steps count. */
export const MAX_STEPS = 100;
/** Levels of steps: top-level steps are at depth 1, the steps of a condition or for_each at the top at depth 2. */
export const MAX_DEPTH = 5;
/** The definition as JSON, in UTF-8 bytes. */
export const MAX_DEFINITION_BYTES = 256 * 1024;

/** Retry policy bounds. */
export const MAX_ATTEMPTS = 10;
export const MAX_BACKOFF_MS = 3_600_000;
export const MAX_BACKOFF_CAP_MS = 86_400_000;
export const MAX_BACKOFF_FACTOR = 10;

/** One attempt's `timeoutMs`: 100 ms to one hour (a step that waits longer waits between calls, not inside one). */
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 3_600_000;

/** A wait step's `businessDays`. */
export const MAX_BUSINESS_DAYS = 60;
/** A for_each's `maxItems` (its default is 100). */
export const MAX_FOR_EACH_ITEMS = 1000;
/** Recipients of one email step. */
export const MAX_EMAIL_RECIPIENTS = 50;

/** A cron expression that matches nothing within this many years never fires (`0 0 29 2 *` skips 2100, so 8). */
export const CRON_HORIZON_YEARS = 8;
