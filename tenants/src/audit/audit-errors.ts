import { defineErrors } from '@dogan/runtime';

/** The audit trail's errors; codes are stable for clients and tests. */
export const AuditErrors = defineErrors({
  AUDIT_CURSOR_INVALID: { status: 400, title: 'Invalid audit cursor', message: 'The cursor is not one this list gave out; start again without it' },
  AUDIT_RANGE_INVALID: { status: 400, title: 'Invalid audit time range', message: '"from" (%s) must come before "to" (%s)' },
  AUDIT_ENTRY_INVALID: { status: 500, title: 'Invalid audit entry', message: 'The audit entry cannot be recorded: %s' },
});
