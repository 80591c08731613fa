import { createHash, randomUUID } from 'node:crypto';
import { TenantErrors, type EventOutbox, type TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import { ErpnextErrors } from '../errors.js';
import { HookStore } from '../store/hook-store.js';
import { ReceiptStore } from '../store/receipt-store.js';
import { erpnextEventType } from './event-type.js';
import type { HookService } from './hook-service.js';
import { verifySignature } from './signature.js';
import { changeOf, formFields, parseWebhookBody } from './webhook-body.js';

/** Payload of an `erpnext.<doctype>.<event>` event. */
export interface ErpnextChangePayload {
  /** `webhook` when ERPNext sent it, `sync` when a scheduled pull found it. */
  readonly source: 'webhook' | 'sync';
  readonly connection: string;
  readonly doctype: string;
  readonly name: string;
  readonly event: string;
  readonly modified: string;
  /** What ERPNext sent (webhook), or the document as listed (sync). */
  readonly data: Record<string, unknown>;
}

export interface IntakeOutcome {
  readonly outcome: 'published' | 'duplicate';
  readonly eventId: string;
  readonly type: string;
}

/** Receipts older than this are forgotten: ERPNext's three tries are long over, and syncs are past them. */
export const RECEIPT_RETENTION_MS = 30 * 86_400_000;
/** Every this many webhooks of a hook, the tenant's old receipts are pruned (no timer per tenant needed). */
const PRUNE_EVERY = 1000;

/** Tenant statuses whose webhooks are taken. */
const OPEN_STATUSES = new Set(['trial', 'active']);

export interface WebhookIntakeDeps {
  readonly tenants: TenantsApi;
  readonly hooks: HookService;
  readonly outbox: () => EventOutbox | undefined;
  readonly log: Logger;
}

/**
 * ERPNext's webhooks in: tenant, hook, signature, then one transaction that claims the change's
 * receipt and records its event in the outbox, so a change is published once however often it is
 * sent, and never when the request is refused. Every refusal happens before that transaction.
 */
export class WebhookIntake {
  constructor(private readonly deps: WebhookIntakeDeps) {}

  async receive(tenantRef: string, hookId: string, raw: Buffer, headers: Record<string, string | string[] | undefined>): Promise<IntakeOutcome> {
    const { tenants } = this.deps;
    let tenant;
    try {
      tenant = await tenants.tenants.find(tenantRef);
    } catch (err) {
      if (TenantErrors.TENANT_ID_INVALID.is(err)) throw TenantErrors.TENANT_NOT_FOUND(tenantRef.slice(0, 80));
      throw err;
    }
    if (!tenant || tenant.status === 'provisioning') throw TenantErrors.TENANT_NOT_FOUND(tenantRef.slice(0, 80));
    if (!OPEN_STATUSES.has(tenant.status)) throw ErpnextErrors.ERPNEXT_TENANT_SUSPENDED.with({ status: tenant.status }, tenant.subdomain);
    const db = await tenants.data.of(tenant);
    const hook = await HookStore.get(db, hookId);
    if (!hook || !hook.enabled) throw ErpnextErrors.ERPNEXT_HOOK_NOT_FOUND(hookId);

    const header = headers['x-frappe-webhook-signature'];
    const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined;
    const form = formFields(raw, contentType);
    if (!verifySignature(this.deps.hooks.secretOf(hook), typeof header === 'string' ? header : undefined, raw, form)) {
      throw ErpnextErrors.ERPNEXT_SIGNATURE_INVALID(header ? 'does not match the body' : 'is missing');
    }
    const { data } = parseWebhookBody(raw, contentType);
    const change = changeOf(data, form, hook, createHash('sha256').update(raw).digest('hex'));
    const outbox = this.deps.outbox();
    if (!outbox) throw ErpnextErrors.ERPNEXT_EVENTS_UNAVAILABLE();

    const type = erpnextEventType(change.doctype, change.event);
    const eventId = randomUUID();
    const now = Date.now();
    const published = await db.transaction(async (tx) => {
      const fresh = await ReceiptStore.claim(tx, { connection: hook.connection, doctype: change.doctype, name: change.name, event: change.event, modified: change.modified, eventId, source: 'webhook' }, now);
      if (!fresh) return false;
      const payload: ErpnextChangePayload = { source: 'webhook', connection: hook.connection, doctype: change.doctype, name: change.name, event: change.event, modified: change.modified, data: change.data };
      await outbox.record(tx, [{ id: eventId, type, tenantId: tenant.id, payload }]);
      await HookStore.noteReceived(tx, hook.id, now);
      return true;
    });
    this.deps.log.info({ tenantId: tenant.id, hookId, type, document: change.name, duplicate: !published }, 'erpnext webhook received');
    if (published && (hook.receivedCount + 1) % PRUNE_EVERY === 0) {
      void ReceiptStore.prune(db, now - RECEIPT_RETENTION_MS).catch((err: unknown) => this.deps.log.warn({ err, tenantId: tenant.id }, 'erpnext receipts could not be pruned'));
    }
    return { outcome: published ? 'published' : 'duplicate', eventId: published ? eventId : '', type };
  }
}

