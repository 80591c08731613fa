import type { SqlSession } from '@dogan/tenants';

/**
 * Which tenant databases may hold unsent events, kept in the control plane so the relay's sweep visits
 * those tenants only, not every tenant database. A hint is written (and committed) before the events
 * are inserted in the tenant's transaction: whatever commits there has a hint, even if the process
 * dies right after the commit.
 */

/** Hints younger than this are kept even when the outbox looked empty: a transaction may still commit. */
export const HINT_QUIET_MS = 60_000;

export async function noteTenantOutbox(controlPlane: SqlSession, tenantId: string, now: number): Promise<void> {
  await controlPlane.run(
    'INSERT INTO event_outbox_hints (tenant_id, hints, noted_at_ms) VALUES (?, 1, ?) ON CONFLICT (tenant_id) DO UPDATE SET hints = event_outbox_hints.hints + 1, noted_at_ms = excluded.noted_at_ms',
    [tenantId, now],
  );
}

export async function hintedTenants(controlPlane: SqlSession, limit: number): Promise<Array<{ tenantId: string; hints: number }>> {
  const rows = await controlPlane.query<{ tenant_id: string; hints: string | number }>('SELECT tenant_id, hints FROM event_outbox_hints ORDER BY noted_at_ms LIMIT ?', [limit]);
  return rows.map((r) => ({ tenantId: r.tenant_id, hints: Number(r.hints) }));
}

/** Drops a hint the relay found nothing behind, unless it was renewed since (`hints` changed) or is recent. */
export async function clearHint(controlPlane: SqlSession, tenantId: string, hints: number, now: number): Promise<void> {
  await controlPlane.run('DELETE FROM event_outbox_hints WHERE tenant_id = ? AND hints = ? AND noted_at_ms < ?', [tenantId, hints, now - HINT_QUIET_MS]);
}

/** A tenant that no longer exists has nothing left to relay. */
export async function dropHint(controlPlane: SqlSession, tenantId: string): Promise<void> {
  await controlPlane.run('DELETE FROM event_outbox_hints WHERE tenant_id = ?', [tenantId]);
}
