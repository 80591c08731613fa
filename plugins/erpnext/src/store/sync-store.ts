import type { SqlSession } from '@dogan/tenants';

/** A doctype a tenant pulls from one connection on a schedule. */
export interface SyncRecord {
  readonly connection: string;
  readonly doctype: string;
  readonly intervalMinutes: number;
  readonly enabled: boolean;
  readonly fields: string[];
  readonly filters: unknown[];
  /** Where the next pull starts: the last document taken, by (`modified`, `name`). */
  readonly cursorModified: string | null;
  readonly cursorName: string | null;
  readonly nextDueAt: number;
  readonly claimToken: string | null;
  readonly claimUntil: number | null;
  readonly lastRunId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One pull: its progress while it runs, its report once it ended. */
export interface SyncRunRecord {
  readonly id: string;
  readonly connection: string;
  readonly doctype: string;
  readonly trigger: 'schedule' | 'manual';
  readonly status: 'running' | 'completed' | 'failed' | 'interrupted';
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly pages: number;
  readonly documents: number;
  readonly published: number;
  readonly duplicates: number;
  readonly fromModified: string | null;
  readonly toModified: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

function syncFromRow(r: Row): SyncRecord {
  return {
    connection: String(r.connection),
    doctype: String(r.doctype),
    intervalMinutes: Number(r.interval_minutes),
    enabled: Number(r.enabled) === 1,
    fields: JSON.parse(String(r.fields)) as string[],
    filters: JSON.parse(String(r.filters)) as unknown[],
    cursorModified: text(r.cursor_modified),
    cursorName: text(r.cursor_name),
    nextDueAt: Number(r.next_due_at),
    claimToken: text(r.claim_token),
    claimUntil: num(r.claim_until),
    lastRunId: text(r.last_run_id),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function runFromRow(r: Row): SyncRunRecord {
  return {
    id: String(r.id),
    connection: String(r.connection),
    doctype: String(r.doctype),
    trigger: String(r.trigger_kind) as SyncRunRecord['trigger'],
    status: String(r.status) as SyncRunRecord['status'],
    startedAt: Number(r.started_at),
    finishedAt: num(r.finished_at),
    pages: Number(r.pages),
    documents: Number(r.documents),
    published: Number(r.published),
    duplicates: Number(r.duplicates),
    fromModified: text(r.from_modified),
    toModified: text(r.to_modified),
    errorCode: text(r.error_code),
    errorMessage: text(r.error_message),
  };
}

/** The `erpnext_syncs` and `erpnext_sync_runs` tables of one tenant database. */
export const SyncStore = {
  async list(db: SqlSession): Promise<SyncRecord[]> {
    return (await db.query('SELECT * FROM erpnext_syncs ORDER BY connection, doctype')).map(syncFromRow);
  },

  async get(db: SqlSession, connection: string, doctype: string): Promise<SyncRecord | null> {
    const rows = await db.query('SELECT * FROM erpnext_syncs WHERE connection = ? AND doctype = ?', [connection, doctype]);
    return rows[0] ? syncFromRow(rows[0]) : null;
  },

  async upsert(db: SqlSession, s: { connection: string; doctype: string; intervalMinutes: number; enabled: boolean; fields: string[]; filters: unknown[] }, now: number): Promise<void> {
    const existing = await SyncStore.get(db, s.connection, s.doctype);
    if (existing) {
      await db.run('UPDATE erpnext_syncs SET interval_minutes = ?, enabled = ?, fields = ?, filters = ?, updated_at = ? WHERE connection = ? AND doctype = ?', [
        s.intervalMinutes,
        s.enabled ? 1 : 0,
        JSON.stringify(s.fields),
        JSON.stringify(s.filters),
        now,
        s.connection,
        s.doctype,
      ]);
    } else {
      await db.run(
        'INSERT INTO erpnext_syncs (connection, doctype, interval_minutes, enabled, fields, filters, next_due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [s.connection, s.doctype, s.intervalMinutes, s.enabled ? 1 : 0, JSON.stringify(s.fields), JSON.stringify(s.filters), now, now, now],
      );
    }
  },

  async remove(db: SqlSession, connection: string, doctype: string): Promise<boolean> {
    return db.transaction(async (tx) => {
      await tx.run('DELETE FROM erpnext_sync_runs WHERE connection = ? AND doctype = ?', [connection, doctype]);
      return (await tx.run('DELETE FROM erpnext_syncs WHERE connection = ? AND doctype = ?', [connection, doctype])) === 1;
    });
  },

  /** Takes the sync for one run unless another node holds it: a conditional update, so two nodes never pull the same doctype at once. */
  async claim(db: SqlSession, connection: string, doctype: string, token: string, until: number, now: number): Promise<boolean> {
    const changed = await db.run('UPDATE erpnext_syncs SET claim_token = ?, claim_until = ? WHERE connection = ? AND doctype = ? AND (claim_token IS NULL OR claim_until < ?)', [
      token,
      until,
      connection,
      doctype,
      now,
    ]);
    return changed === 1;
  },

  async extendClaim(db: SqlSession, connection: string, doctype: string, token: string, until: number): Promise<boolean> {
    return (await db.run('UPDATE erpnext_syncs SET claim_until = ? WHERE connection = ? AND doctype = ? AND claim_token = ?', [until, connection, doctype, token])) === 1;
  },

  /** Moves the cursor past a page; only while the claim is ours (a run that lost it must not write). */
  async advance(db: SqlSession, connection: string, doctype: string, token: string, cursorModified: string, cursorName: string): Promise<boolean> {
    const changed = await db.run('UPDATE erpnext_syncs SET cursor_modified = ?, cursor_name = ? WHERE connection = ? AND doctype = ? AND claim_token = ?', [
      cursorModified,
      cursorName,
      connection,
      doctype,
      token,
    ]);
    return changed === 1;
  },

  async release(db: SqlSession, connection: string, doctype: string, token: string, nextDueAt: number, runId: string): Promise<void> {
    await db.run('UPDATE erpnext_syncs SET claim_token = NULL, claim_until = NULL, next_due_at = ?, last_run_id = ? WHERE connection = ? AND doctype = ? AND claim_token = ?', [
      nextDueAt,
      runId,
      connection,
      doctype,
      token,
    ]);
  },

  async startRun(db: SqlSession, run: { id: string; connection: string; doctype: string; trigger: 'schedule' | 'manual'; fromModified: string | null }, now: number): Promise<void> {
    await db.run("INSERT INTO erpnext_sync_runs (id, connection, doctype, trigger_kind, status, started_at, from_modified) VALUES (?, ?, ?, ?, 'running', ?, ?)", [
      run.id,
      run.connection,
      run.doctype,
      run.trigger,
      now,
      run.fromModified,
    ]);
  },

  async progress(db: SqlSession, id: string, delta: { documents: number; published: number; duplicates: number; toModified: string | null }): Promise<void> {
    await db.run(
      'UPDATE erpnext_sync_runs SET pages = pages + 1, documents = documents + ?, published = published + ?, duplicates = duplicates + ?, to_modified = COALESCE(?, to_modified) WHERE id = ?',
      [delta.documents, delta.published, delta.duplicates, delta.toModified, id],
    );
  },

  async finishRun(db: SqlSession, id: string, status: 'completed' | 'failed' | 'interrupted', error: { code: string; message: string } | null, now: number): Promise<void> {
    await db.run('UPDATE erpnext_sync_runs SET status = ?, finished_at = ?, error_code = ?, error_message = ? WHERE id = ?', [
      status,
      now,
      error?.code.slice(0, 64) ?? null,
      error?.message.slice(0, 500) ?? null,
      id,
    ]);
  },

  /** Runs left `running` by a node that died: they are over (their claim expired), and the next run resumes from the cursor. */
  async closeAbandonedRuns(db: SqlSession, connection: string, doctype: string, now: number): Promise<void> {
    await db.run("UPDATE erpnext_sync_runs SET status = 'interrupted', finished_at = ? WHERE connection = ? AND doctype = ? AND status = 'running'", [now, connection, doctype]);
  },

  async runs(db: SqlSession, connection: string, doctype: string, limit: number): Promise<SyncRunRecord[]> {
    return (await db.query('SELECT * FROM erpnext_sync_runs WHERE connection = ? AND doctype = ? ORDER BY started_at DESC, id LIMIT ?', [connection, doctype, limit])).map(runFromRow);
  },

  async run(db: SqlSession, id: string): Promise<SyncRunRecord | null> {
    const rows = await db.query('SELECT * FROM erpnext_sync_runs WHERE id = ?', [id]);
    return rows[0] ? runFromRow(rows[0]) : null;
  },

  async earliestDue(db: SqlSession): Promise<number | null> {
    const rows = await db.query<{ d: number | string | null }>('SELECT MIN(next_due_at) AS d FROM erpnext_syncs WHERE enabled = 1');
    return rows[0]?.d === null || rows[0]?.d === undefined ? null : Number(rows[0].d);
  },
};
