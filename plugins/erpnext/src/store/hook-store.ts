import type { SqlSession } from '@dogan/tenants';

/** Frappe's document events a Webhook doctype can fire on (frappe/integrations/doctype/webhook/webhook.py). */
export const DOC_EVENTS = ['after_insert', 'on_update', 'on_submit', 'on_cancel', 'on_trash', 'on_update_after_submit', 'on_change'] as const;
export type DocEvent = (typeof DOC_EVENTS)[number];
/** Events only a submittable doctype fires; ERPNext refuses them on a Webhook of another doctype. */
export const SUBMIT_EVENTS: readonly DocEvent[] = ['on_submit', 'on_cancel', 'on_update_after_submit'];

/** An incoming-webhook hook as stored; `secret` is secret-box ciphertext. */
export interface HookRecord {
  readonly id: string;
  readonly connection: string;
  readonly doctype: string;
  readonly events: DocEvent[];
  readonly secret: string;
  readonly enabled: boolean;
  readonly receivedCount: number;
  readonly lastReceivedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

type Row = Record<string, unknown>;

function fromRow(r: Row): HookRecord {
  return {
    id: String(r.id),
    connection: String(r.connection),
    doctype: String(r.doctype),
    events: JSON.parse(String(r.events)) as DocEvent[],
    secret: String(r.secret),
    enabled: Number(r.enabled) === 1,
    receivedCount: Number(r.received_count),
    lastReceivedAt: r.last_received_at === null || r.last_received_at === undefined ? null : Number(r.last_received_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The `erpnext_hooks` table of one tenant database. */
export const HookStore = {
  async list(db: SqlSession): Promise<HookRecord[]> {
    return (await db.query('SELECT * FROM erpnext_hooks ORDER BY created_at, id')).map(fromRow);
  },

  async get(db: SqlSession, id: string): Promise<HookRecord | null> {
    const rows = await db.query('SELECT * FROM erpnext_hooks WHERE id = ?', [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  },

  async count(db: SqlSession): Promise<number> {
    const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM erpnext_hooks');
    return Number(rows[0]?.n ?? 0);
  },

  async insert(db: SqlSession, h: Pick<HookRecord, 'id' | 'connection' | 'doctype' | 'events' | 'secret' | 'enabled'>, now: number): Promise<void> {
    await db.run('INSERT INTO erpnext_hooks (id, connection, doctype, events, secret, enabled, received_count, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)', [
      h.id,
      h.connection,
      h.doctype,
      JSON.stringify(h.events),
      h.secret,
      h.enabled ? 1 : 0,
      now,
      now,
    ]);
  },

  async update(db: SqlSession, id: string, changes: { events?: DocEvent[]; enabled?: boolean; secret?: string }, now: number): Promise<void> {
    const sets = ['updated_at = ?'];
    const params: Array<string | number> = [now];
    const set = (column: string, value: string | number) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (changes.events !== undefined) set('events', JSON.stringify(changes.events));
    if (changes.enabled !== undefined) set('enabled', changes.enabled ? 1 : 0);
    if (changes.secret !== undefined) set('secret', changes.secret);
    await db.run(`UPDATE erpnext_hooks SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  },

  async delete(db: SqlSession, id: string): Promise<boolean> {
    return (await db.run('DELETE FROM erpnext_hooks WHERE id = ?', [id])) === 1;
  },

  async noteReceived(db: SqlSession, id: string, now: number): Promise<void> {
    await db.run('UPDATE erpnext_hooks SET received_count = received_count + 1, last_received_at = ? WHERE id = ?', [now, id]);
  },
};
