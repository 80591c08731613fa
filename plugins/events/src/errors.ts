import { defineErrors } from '@dogan/runtime';

/** The events plugin's error table; codes are stable for clients and tests. */
export const EventErrors = defineErrors({
  EVENT_TYPE_INVALID: { status: 400, title: 'Invalid event type', message: 'Event type "%s" is not lower-case dotted words (family.name)' },
  EVENT_INVALID: { status: 400, title: 'Invalid event', message: 'The event is invalid: %s' },
  EVENT_TENANT_MIXED: {
    status: 400,
    title: 'Events of several tenants in one tenant database',
    message: "Events recorded on a tenant's database must all name that tenant; got %s",
  },
  DEAD_LETTER_NOT_FOUND: { status: 404, title: 'Dead letter not found', message: 'This tenant has no dead letter "%s"' },
  DEAD_LETTER_ALREADY_REPLAYED: { status: 409, title: 'Dead letter already replayed', message: 'Dead letter "%s" was replayed at %s and was handled; it is not sent twice' },
  DEAD_LETTER_CONSUMER_ABSENT: { status: 409, title: 'Consumer not running', message: 'Consumer "%s" does not run on this node; the dead letter is kept' },
  DEAD_LETTER_REPLAY_FAILED: { status: 409, title: 'Replay failed', message: 'Consumer "%s" failed again: %s; the dead letter is kept' },
  EVENT_BUS_UNAVAILABLE: { status: 503, title: 'Event bus unavailable', message: 'The event bus cannot take events now: %s' },
});

export type EventErrorCode = keyof typeof EventErrors;
