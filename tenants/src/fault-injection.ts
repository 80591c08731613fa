/**
 * TEST HOOK, never set in production. `DOGAN_FAULT_KILL_AT=<point>:<before|after>` makes the
 * process kill itself with SIGKILL when provisioning reaches that point, so the crash-recovery suite
 * (test/faults/provisioning-crash.test.ts) can stop a real process at an exact place instead of
 * guessing with timers. Points: each provisioning step's name, `migration:<plugin>:<name>` and
 * `hook:<plugin>`. Unset, `faultPoint` does nothing.
 */
const KILL_AT = process.env.DOGAN_FAULT_KILL_AT || undefined;

export function faultPoint(point: string, when: 'before' | 'after'): void {
  if (KILL_AT !== undefined && KILL_AT === `${point}:${when}`) process.kill(process.pid, 'SIGKILL');
}
