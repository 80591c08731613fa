import type { PlatformEvent } from '@dogan/runtime';
import { isControlPlaneSession, type EventOutbox, type NewPlatformEvent, type SqlSession } from '@dogan/tenants';
import { completeEvent } from '../event-codec.js';
import { EventErrors } from '../errors.js';
import { noteTenantOutbox } from './outbox-hints.js';
import { insertOutboxRows } from './outbox-table.js';
import { CONTROL_PLANE } from '../relay/outbox-relay.js';

/**
 * The `EventOutbox` service. `record` writes the events on the caller's session, so they commit or
 * roll back with the caller's state change; `emit` writes them in a control-plane transaction of
 * their own. Either way the relay is nudged with the ids and publishes them once they are committed.
 */
export class TransactionalOutbox implements EventOutbox {
  constructor(
    private readonly deps: {
      controlPlane: SqlSession;
      nudge(key: string, ids: readonly string[]): void;
      now?: () => Date;
    },
  ) {}

  async record(session: SqlSession, events: readonly NewPlatformEvent[]): Promise<void> {
    const complete = this.complete(events);
    if (complete.length === 0) return;
    if (isControlPlaneSession(session)) {
      await insertOutboxRows(session, complete);
      this.deps.nudge(CONTROL_PLANE, complete.map((e) => e.id));
      return;
    }
    const tenants = new Set(complete.map((e) => e.tenantId));
    const tenantId = complete[0]!.tenantId;
    if (tenants.size !== 1 || tenantId === null) throw EventErrors.EVENT_TENANT_MIXED([...tenants].map(String).join(', '));
    // The hint commits first, on its own: whatever commits in the tenant's database has one.
    await noteTenantOutbox(this.deps.controlPlane, tenantId, this.now().getTime());
    await insertOutboxRows(session, complete);
    this.deps.nudge(tenantId, complete.map((e) => e.id));
  }

  async emit(events: readonly NewPlatformEvent[]): Promise<void> {
    const complete = this.complete(events);
    if (complete.length === 0) return;
    await this.deps.controlPlane.transaction((tx) => insertOutboxRows(tx, complete));
    this.deps.nudge(CONTROL_PLANE, complete.map((e) => e.id));
  }

  private complete(events: readonly NewPlatformEvent[]): PlatformEvent[] {
    const now = this.now();
    return events.map((e) => completeEvent(e, now));
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
