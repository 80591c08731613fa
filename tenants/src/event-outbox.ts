import { createServiceRef } from '@dogan/runtime';
import type { SqlSession } from './database/sql-session.js';

/** An event to record; id and occurredAt are filled in when left out. */
export interface NewPlatformEvent<P = unknown> {
  readonly type: string;
  /** Payload shape version; 1 when left out. */
  readonly version?: number;
  readonly tenantId: string | null;
  readonly payload: P;
  readonly id?: string;
  readonly occurredAt?: string;
}

/**
 * The transactional outbox, provided by the events plugin. A plugin records the events of a state
 * change on the same session (and transaction) as the change: they reach the bus after the commit and
 * never when it rolls back; a crash between commit and publish is made good by the relay.
 */
export interface EventOutbox {
  /** Records events on `session` (a control-plane or tenant session, inside the caller's transaction). */
  record(session: SqlSession, events: readonly NewPlatformEvent[]): Promise<void>;
  /** Records events in a transaction of their own on the control plane (a change with no SQL transaction to join). */
  emit(events: readonly NewPlatformEvent[]): Promise<void>;
}

export const eventOutboxRef = createServiceRef<EventOutbox>({ id: 'tenants.eventOutbox' });
