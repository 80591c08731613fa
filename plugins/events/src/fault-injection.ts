/**
 * TEST HOOK, never set in production: the same `DOGAN_FAULT_KILL_AT=<point>:<before|after>` switch as
 * tenants/src/fault-injection.ts, for the events crash suite (test/events/outbox-crash.test.ts). Points:
 * `outbox-relay-publish` (before: committed, not yet published; after: published, not yet marked sent),
 * and `outbox-relay-publish:<event type>`, armed for a batch holding that type only.
 */
const KILL_AT = process.env.DOGAN_FAULT_KILL_AT || undefined;

/** Whether a kill point is armed at all: callers skip building point names when not. */
export const FAULTS_ARMED = KILL_AT !== undefined;

export function faultPoint(point: string, when: 'before' | 'after'): void {
  if (KILL_AT !== undefined && KILL_AT === `${point}:${when}`) process.kill(process.pid, 'SIGKILL');
}
