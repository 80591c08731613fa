import { EVENT_TYPE_PATTERN } from '@dogan/runtime';

/**
 * What an event trigger listens to: one event type (`erpnext.sales_invoice.submitted`, the platform's
 * EVENT_TYPE_PATTERN) or a prefix of whole words and `.*` (`erpnext.*`, `dogan.notes.*`), which matches
 * every type under that prefix, however many words follow (the event bus's `eventTypeMatches`).
 */
const PREFIX_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*\.\*$/;
const MAX_PATTERN_LENGTH = 200;

export function isEventPattern(pattern: string): boolean {
  return pattern.length <= MAX_PATTERN_LENGTH && (EVENT_TYPE_PATTERN.test(pattern) || PREFIX_PATTERN.test(pattern));
}

