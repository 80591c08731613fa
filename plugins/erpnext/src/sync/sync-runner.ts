import { randomUUID } from 'node:crypto';
import type { DoganError } from '@dogan/runtime';
import type { EventOutbox, Tenant, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { FrappeClient } from '../client/index.js';
import type { ConnectionService } from '../connections/connection-service.js';
import { ErpnextErrors } from '../errors.js';
import { ReceiptStore } from '../store/receipt-store.js';
import { SyncStore, type SyncRecord } from '../store/sync-store.js';
import { erpnextEventType } from '../webhooks/event-type.js';
import type { ErpnextChangePayload } from '../webhooks/webhook-intake.js';

/** How long a claim on a sync lasts without renewal: a run renews it after every page. */
const CLAIM_MS = 120_000;
/** Fields every sync reads, whatever else it asks for: the cursor and the event need them. */
const BASE_FIELDS = ['name', 'modified', 'docstatus'];

export interface SyncRunnerDeps {
  readonly tenants: TenantsApi;
  readonly connections: ConnectionService;
  readonly outbox: () => EventOutbox | undefined;
  readonly pageSize: number;
  readonly log: Logger;
}

/**
 * One pull of one doctype: pages in (`modified`, `name`) order after the cursor, each page committed
 * in one transaction with its events, its receipts and the moved cursor, so a crash loses at most the
 * page in flight and the next run (on any node) resumes after the last committed page. Changes a
 * webhook already delivered are recognised by their receipt and not published twice.
 */
export class SyncRunner {
  constructor(private readonly deps: SyncRunnerDeps) {}

  /** Claims and runs the sync; resolves to the run id, or undefined when another run holds it. */
  async start(tenant: Tenant, sync: SyncRecord, trigger: 'schedule' | 'manual'): Promise<{ runId: string; done: Promise<void> } | undefined> {
    const db = await this.deps.tenants.data.of(tenant);
    const token = randomUUID();
    const now = Date.now();
    if (!(await SyncStore.claim(db, sync.connection, sync.doctype, token, now + CLAIM_MS, now))) return undefined;
    await SyncStore.closeAbandonedRuns(db, sync.connection, sync.doctype, now);
    const runId = randomUUID();
    await SyncStore.startRun(db, { id: runId, connection: sync.connection, doctype: sync.doctype, trigger, fromModified: sync.cursorModified }, now);
    const done = this.pull(tenant, sync, token, runId).catch((err: unknown) => this.deps.log.error({ err, tenantId: tenant.id, doctype: sync.doctype }, 'erpnext sync bookkeeping failed'));
    return { runId, done };
  }

  private async pull(tenant: Tenant, sync: SyncRecord, token: string, runId: string): Promise<void> {
    const db = await this.deps.tenants.data.of(tenant);
    let cursor = { modified: sync.cursorModified, name: sync.cursorName };
    try {
      const outbox = this.deps.outbox();
      if (!outbox) throw ErpnextErrors.ERPNEXT_EVENTS_UNAVAILABLE();
      const client = await this.deps.connections.client(tenant, sync.connection);
      for (;;) {
        const page = await this.page(client, sync, cursor);
        if (page.length === 0) break;
        const last = page[page.length - 1]!;
        const next = { modified: String(last.modified), name: String(last.name) };
        const counts = await db.transaction(async (tx) => {
          if (!(await SyncStore.advance(tx, sync.connection, sync.doctype, token, next.modified, next.name))) throw ErpnextErrors.ERPNEXT_SYNC_RUNNING(sync.doctype);
          let published = 0;
          const events = [];
          for (const doc of page) {
            const eventId = randomUUID();
            const change = { connection: sync.connection, doctype: sync.doctype, name: String(doc.name), event: 'on_change', modified: String(doc.modified), eventId, source: 'sync' as const };
            if (!(await ReceiptStore.claim(tx, change, Date.now()))) continue;
            const payload: ErpnextChangePayload = { source: 'sync', connection: sync.connection, doctype: sync.doctype, name: change.name, event: 'on_change', modified: change.modified, data: doc };
            events.push({ id: eventId, type: erpnextEventType(sync.doctype, 'on_change'), tenantId: tenant.id, payload });
            published++;
          }
          if (events.length > 0) await outbox.record(tx, events);
          await SyncStore.progress(tx, runId, { documents: page.length, published, duplicates: page.length - published, toModified: next.modified });
          return { published };
        });
        this.deps.log.debug({ tenantId: tenant.id, doctype: sync.doctype, documents: page.length, published: counts.published }, 'erpnext sync page');
        cursor = next;
        await SyncStore.extendClaim(db, sync.connection, sync.doctype, token, Date.now() + CLAIM_MS);
        if (page.length < this.deps.pageSize) break;
      }
      await SyncStore.finishRun(db, runId, 'completed', null, Date.now());
    } catch (err) {
      const code = (err as DoganError).code ?? 'ERPNEXT_SYNC_FAILED';
      await SyncStore.finishRun(db, runId, 'failed', { code, message: (err as Error).message }, Date.now());
      await this.deps.connections.noteFailure(tenant, sync.connection, err);
      this.deps.log.warn({ tenantId: tenant.id, doctype: sync.doctype, code }, 'erpnext sync failed; the next run resumes from the last page taken');
    } finally {
      await SyncStore.release(db, sync.connection, sync.doctype, token, Date.now() + sync.intervalMinutes * 60_000, runId);
    }
  }

  /** The next page after the cursor: keyset paging with Frappe's filters AND or_filters, `(modified > c) OR (modified = c AND name > n)`. */
  private page(client: FrappeClient, sync: SyncRecord, cursor: { modified: string | null; name: string | null }): Promise<Array<Record<string, unknown>>> {
    const filters = [...(sync.filters as Array<[string, string, unknown]>)];
    let orFilters: Array<[string, string, unknown]> | undefined;
    if (cursor.modified !== null && cursor.name !== null) {
      filters.push(['modified', '>=', cursor.modified]);
      orFilters = [
        ['modified', '>', cursor.modified],
        ['name', '>', cursor.name],
      ];
    }
    return client.list<Record<string, unknown>>(sync.doctype, {
      fields: [...new Set([...BASE_FIELDS, ...sync.fields])],
      filters: filters as never,
      ...(orFilters ? { orFilters: orFilters as never } : {}),
      orderBy: 'modified asc, name asc',
      limitStart: 0,
      limitPageLength: this.deps.pageSize,
    });
  }
}
