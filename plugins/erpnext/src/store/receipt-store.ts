import type { SqlSession } from '@dogan/tenants';

/** One change of one document, as a webhook or a sync saw it. */
export interface Receipt {
  readonly connection: string;
  readonly doctype: string;
  readonly name: string;
  readonly event: string;
  readonly modified: string;
  readonly eventId: string;
  readonly source: 'webhook' | 'sync';
}

/** The `erpnext_receipts` table: the same change (connection, doctype, name, event, modified) is taken once. */
export const ReceiptStore = {
  /** True when this change is new (and now recorded); false when it was seen before. Run inside the transaction that publishes it. */
  async claim(db: SqlSession, r: Receipt, now: number): Promise<boolean> {
    const changed = await db.run(
      `INSERT INTO erpnext_receipts (connection, doctype, doc_name, doc_event, modified, event_id, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connection, doctype, doc_name, doc_event, modified) DO NOTHING`,
      [r.connection, r.doctype, r.name, r.event, r.modified, r.eventId, r.source, now],
    );
    return changed === 1;
  },

  /** Forgets receipts older than `before` (a change that old will not be sent again by ERPNext's three tries, nor re-read by a sync past its cursor). */
  async prune(db: SqlSession, before: number): Promise<number> {
    return db.run('DELETE FROM erpnext_receipts WHERE received_at < ?', [before]);
  },
};
