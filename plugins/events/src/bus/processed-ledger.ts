import type { SqlSession } from '@dogan/tenants';

/**
 * Which events each consumer has applied, by event id: a redelivery (an ack lost, the outbox relaying
 * again after a crash, a message past JetStream's duplicate window) is acknowledged without calling
 * the handler again. Kept in the control plane, so every node of the cluster sees the same ledger.
 */
export class ProcessedLedger {
  constructor(private readonly controlPlane: SqlSession) {}

  async has(consumer: string, eventId: string): Promise<boolean> {
    const rows = await this.controlPlane.query('SELECT 1 AS one FROM event_processed WHERE consumer = ? AND event_id = ?', [consumer, eventId]);
    return rows.length > 0;
  }

  /** Records an application; `session` joins another statement's transaction (the in-process bus's row). */
  async add(consumer: string, eventId: string, now = Date.now(), session: SqlSession = this.controlPlane): Promise<void> {
    await session.run('INSERT INTO event_processed (consumer, event_id, processed_at_ms) VALUES (?, ?, ?) ON CONFLICT (consumer, event_id) DO NOTHING', [consumer, eventId, now]);
  }

  /** Entries older than the longest redelivery window go (the outbox and the streams keep a week). */
  async prune(before: number): Promise<number> {
    return this.controlPlane.run('DELETE FROM event_processed WHERE processed_at_ms < ?', [before]);
  }
}
