import { randomUUID } from 'node:crypto';
import { raw, type EntityManager, type MikroORM } from '@mikro-orm/core';
import type { Tenant, TenantService } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { InvoiceLineSchema, InvoiceSchema, PendingChargeSchema, type Invoice } from '../entities/invoices.js';
import { BillingOperationSchema, type BillingOperation, type OperationPurpose } from '../entities/operations.js';
import { SubscriptionSchema, type Subscription } from '../entities/subscriptions.js';
import { BillingErrors } from '../errors.js';
import { subscriptionChanged, type RecordEvents, type SubscriptionChange } from '../events.js';
import type { InvoiceService, NewLine } from '../invoices/invoice-service.js';
import type { PaymentService } from '../payments/payment-service.js';

/**
 * How long a claimer is trusted to be working on a step. Longer than any step takes when its node is
 * alive (a charge is at most three provider calls of 20 s each); a node that overruns it is harmless,
 * because every phase of a step is conditional, but a step is finished by others only after it.
 */
export const OPERATION_LEASE_MS = 5 * 60_000;

const DATE_FIELDS = ['trialEndsAt', 'currentPeriodStart', 'currentPeriodEnd', 'usagePeriodStart', 'usagePeriodEnd'] as const;

/** What a step does, stored with its claim (as JSON) so whoever finishes it does exactly the same. */
export interface OperationPlan {
  /** Lines fixed when the step was planned (plan fee, proration, overage, recurring modules). */
  lines: NewLine[];
  /** One-time charges to take onto the step's invoice. */
  pendingChargeIds: string[];
  period: { start: Date; end: Date };
  /** A client's change is refused (its invoice voided) when the charge fails; a renewal goes to dunning. */
  refuseOnFailure: boolean;
  /** Applied to the subscription once the money did not fail to move. */
  changes: Partial<Subscription>;
  tenantAction: 'activate' | 'cancel' | null;
  /** The plan to copy to the tenant record. */
  planId: string | null;
  actor: string;
}

export interface OperationOutcome {
  operation: BillingOperation;
  invoiceId: string | null;
}

export type ClaimResult = { claimed: true; operation: BillingOperation } | { claimed: false; reason: 'changed' | 'duplicate' };

export interface OperationDeps {
  orm: MikroORM;
  clock: Clock;
  log: Logger;
  invoices: InvoiceService;
  payments: PaymentService;
  tenants: TenantService;
  currency: string;
  buyerOf(tenant: Tenant): { id: string; name: string; country: string; timezone: string };
  /** Idempotent effects on the tenant record, done before the step is marked done. */
  moveTenant(tenantId: string, action: 'activate' | 'cancel', actor: string): Promise<void>;
  syncTenantPlan(tenant: Tenant, planId: string, actor: string): Promise<void>;
  changed(tenantId: string): void;
  events: RecordEvents;
}

/** What each step says of the subscription it changed; closing a usage period alone changes nothing a tenant sees. */
function changeOf(purpose: OperationPurpose, plan: OperationPlan): SubscriptionChange | null {
  switch (purpose) {
    case 'start':
      return 'started';
    case 'trial_conversion':
      return 'trial_converted';
    case 'upgrade':
      return 'upgraded';
    case 'cycle_change':
      return 'cycle_changed';
    case 'renewal':
      return plan.tenantAction === 'cancel' ? 'canceled' : 'renewed';
    default:
      return null;
  }
}

class Lost extends Error {}

function toJson(plan: OperationPlan): Record<string, unknown> {
  return JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
}

function planOf(operation: BillingOperation): OperationPlan {
  const p = operation.plan as unknown as OperationPlan & { period: { start: string; end: string } };
  const changes: Record<string, unknown> = { ...p.changes };
  for (const field of DATE_FIELDS) if (typeof changes[field] === 'string') changes[field] = new Date(changes[field] as string);
  return { ...p, period: { start: new Date(p.period.start), end: new Date(p.period.end) }, changes: changes as Partial<Subscription> };
}

/**
 * Money-moving steps, claimed before money moves and finished once, whoever finishes them. A claim
 * inserts the step (unique per tenant, purpose and period) and takes the subscription (its version
 * must be the one the step was planned on, and no other step may hold it) in one transaction. Then:
 * draft the invoice (recorded on the step in the same transaction), issue it, collect it once,
 * and apply the changes while releasing the subscription. Each phase is a conditional write, so two
 * finishers (a slow node and the run that took over its lapsed lease) do each phase once.
 */
export class BillingOperations {
  constructor(private readonly deps: OperationDeps) {}

  /**
   * Claims and finishes a step; null when another step holds the subscription or it changed since it
   * was read. A change that refuses on a failed charge is also undone when it fails before any charge
   * was attempted: its caller is told it failed, so it must not be finished later behind their back.
   */
  async run(tenant: Tenant, sub: Subscription, purpose: OperationPurpose, periodKey: string, plan: OperationPlan): Promise<OperationOutcome | null> {
    const claim = await this.claim(sub, purpose, periodKey, plan);
    if (!claim.claimed) {
      if (claim.reason === 'duplicate') this.deps.log.warn({ tenantId: sub.tenantId, purpose, periodKey }, 'this billing step was already taken; not billed again');
      return null;
    }
    try {
      return await this.finish(claim.operation, tenant);
    } catch (err) {
      if (plan.refuseOnFailure && !BillingErrors.PAYMENT_FAILED.is(err)) {
        await this.abandon(claim.operation).catch((undo: unknown) => this.deps.log.error({ err: undo, operationId: claim.operation.id }, 'a failed billing step could not be undone; it is finished when its lease ends'));
      }
      throw err;
    }
  }

  async claim(sub: Subscription, purpose: OperationPurpose, periodKey: string, plan: OperationPlan): Promise<ClaimResult> {
    const now = this.deps.clock.now();
    const operation: BillingOperation = {
      id: randomUUID(), tenantId: sub.tenantId, subscriptionId: sub.id, purpose, periodKey, status: 'open', invoiceId: null,
      plan: toJson(plan), leaseUntil: new Date(now.getTime() + OPERATION_LEASE_MS), createdAt: now, updatedAt: now,
    };
    try {
      await this.deps.orm.em.fork().transactional(async (em) => {
        // The subscription first: on PostgreSQL a concurrent claimer waits on its row lock, then finds the version moved.
        const held = await em.nativeUpdate(SubscriptionSchema, { id: sub.id, version: sub.version, operationId: null }, { operationId: operation.id, version: sub.version + 1, updatedAt: now });
        if (held !== 1) throw new Lost();
        await em.insert(BillingOperationSchema, operation);
      });
      return { claimed: true, operation };
    } catch (err) {
      if (err instanceof Lost) return { claimed: false, reason: 'changed' };
      if ((err as Error).name === 'UniqueConstraintViolationException') return { claimed: false, reason: 'duplicate' };
      throw err;
    }
  }

  /**
   * Finishes an open step from wherever it stopped. Throws PAYMENT_FAILED when the step refuses on a
   * failed charge (its invoice is voided, the subscription released unchanged).
   */
  async finish(operation: BillingOperation, tenant?: Tenant): Promise<OperationOutcome> {
    let op = await this.load(operation.id);
    if (op.status !== 'open') return this.outcomeOf(op);
    const buyer = tenant ?? (await this.deps.tenants.get(op.tenantId));
    const plan = planOf(op);
    const invoiceId = op.invoiceId ?? (await this.draft(op, plan, buyer));
    if (invoiceId) {
      const invoice = await this.issueAndCollect(invoiceId, buyer.timezone);
      const latest = (await this.deps.payments.paymentsOf(invoice.id)).at(-1);
      if (plan.refuseOnFailure && invoice.status === 'issued' && latest?.status === 'failed') {
        const refused = await this.refuse(op, invoice);
        if (refused) throw BillingErrors.PAYMENT_FAILED(invoice.number ?? invoice.id, latest.failureMessage ?? 'declined');
      }
    }
    op = await this.load(op.id);
    if (op.status === 'open') await this.apply(op, plan, buyer);
    return this.outcomeOf(await this.load(op.id));
  }

  /**
   * Finishes steps whose claimer stopped (its lease ran out). The lease is taken over by a
   * conditional update, so of two runs finding the same step one finishes it.
   */
  async recoverStale(onRefused?: (operation: BillingOperation) => Promise<void>): Promise<number> {
    const now = this.deps.clock.now();
    const stale = await this.deps.orm.em.fork().find(BillingOperationSchema, { status: 'open', leaseUntil: { $lt: now } });
    let finished = 0;
    for (const op of stale) {
      if (!(await this.takeOver(op))) continue;
      try {
        this.deps.log.warn({ tenantId: op.tenantId, purpose: op.purpose, periodKey: op.periodKey, invoiceId: op.invoiceId }, 'finishing a billing step whose node stopped');
        await this.finish(op);
        finished++;
      } catch (err) {
        if (BillingErrors.PAYMENT_FAILED.is(err)) {
          await onRefused?.(op);
          continue;
        }
        this.deps.log.error({ err, tenantId: op.tenantId, operationId: op.id }, 'a stopped billing step could not be finished; it is retried when its lease ends');
      }
    }
    return finished;
  }

  /**
   * A caller found the subscription held. 'busy' while its claimer is trusted; a step whose lease
   * ran out is finished here (a refused one leaves the subscription as it was) and 'free' returned.
   */
  async settleHeld(sub: Subscription): Promise<'busy' | 'free'> {
    if (!sub.operationId) return 'free';
    const op = await this.deps.orm.em.fork().findOne(BillingOperationSchema, { id: sub.operationId });
    if (!op || op.status !== 'open') return 'free';
    if (op.leaseUntil.getTime() >= this.deps.clock.now().getTime() || !(await this.takeOver(op))) return 'busy';
    await this.finish(op).catch((err: unknown) => {
      if (!BillingErrors.PAYMENT_FAILED.is(err)) throw err;
    });
    return 'free';
  }

  private async takeOver(op: BillingOperation): Promise<boolean> {
    const now = this.deps.clock.now();
    const taken = await this.deps.orm.em
      .fork()
      .nativeUpdate(BillingOperationSchema, { id: op.id, status: 'open', leaseUntil: { $lt: now } }, { leaseUntil: new Date(now.getTime() + OPERATION_LEASE_MS), updatedAt: now });
    return taken === 1;
  }

  private async load(id: string): Promise<BillingOperation> {
    return (await this.deps.orm.em.fork().findOne(BillingOperationSchema, { id }))!;
  }

  /** What a closed step came to; a refused one (closed by another finisher too) is PAYMENT_FAILED. */
  private async outcomeOf(operation: BillingOperation): Promise<OperationOutcome> {
    if (operation.status === 'failed') {
      const invoice = operation.invoiceId ? (await this.deps.invoices.byId(operation.invoiceId)).invoice : null;
      const failed = operation.invoiceId ? (await this.deps.payments.paymentsOf(operation.invoiceId)).at(-1) : undefined;
      throw BillingErrors.PAYMENT_FAILED(invoice?.number ?? operation.invoiceId ?? operation.id, failed?.failureMessage ?? 'declined');
    }
    return { operation, invoiceId: operation.invoiceId };
  }

  /**
   * The step's draft, with the one-time charges it takes, in one transaction that also records the
   * draft on the step: a second finisher finds the step's invoice set and creates nothing.
   * Null when there is nothing to invoice.
   */
  private async draft(op: BillingOperation, plan: OperationPlan, tenant: Tenant): Promise<string | null> {
    if (plan.lines.length === 0 && plan.pendingChargeIds.length === 0) return null;
    const invoiceId = randomUUID();
    const now = this.deps.clock.now();
    try {
      await this.deps.orm.em.fork().transactional(async (em: EntityManager) => {
        const mine = await em.nativeUpdate(BillingOperationSchema, { id: op.id, status: 'open', invoiceId: null }, { invoiceId, updatedAt: now });
        if (mine !== 1) throw new Lost();
        const ids = plan.pendingChargeIds;
        if (ids.length) await em.nativeUpdate(PendingChargeSchema, { id: { $in: ids }, tenantId: op.tenantId, invoiceId: null }, { invoiceId });
        const taken = ids.length ? await em.find(PendingChargeSchema, { invoiceId }, { orderBy: { createdAt: 'asc', id: 'asc' } }) : [];
        const lines = [...plan.lines, ...taken.map((r) => ({ kind: 'module' as const, description: r.description, amount: r.amount, metadata: r.metadata }))];
        if (lines.length === 0) throw new Lost();
        await this.deps.invoices.createDraft(em, {
          id: invoiceId, buyer: this.deps.buyerOf(tenant), currency: this.deps.currency, periodStart: plan.period.start, periodEnd: plan.period.end, lines,
        });
      });
    } catch (err) {
      if (!(err instanceof Lost)) throw err;
    }
    return (await this.load(op.id)).invoiceId;
  }

  /** Issues the draft if nobody did, then collects it once (a repeat replays the first attempt's key). */
  private async issueAndCollect(invoiceId: string, timezone: string): Promise<Invoice> {
    let { invoice } = await this.deps.invoices.byId(invoiceId);
    if (invoice.status === 'draft') {
      await this.deps.invoices.issue(invoiceId, timezone).catch((err: unknown) => {
        if (!BillingErrors.INVOICE_NOT_DRAFT.is(err)) throw err;
      });
      invoice = (await this.deps.invoices.byId(invoiceId)).invoice;
    }
    if (this.deps.payments.provider && invoice.status === 'issued') {
      await this.deps.payments.collect(invoiceId, { firstOnly: true });
      invoice = (await this.deps.invoices.byId(invoiceId)).invoice;
    }
    return invoice;
  }

  /**
   * A refused change: the step fails, its invoice is voided, its one-time charges wait for the next
   * invoice and the subscription is released unchanged. False when it was not refused after all
   * (a payment confirmed meanwhile, or another finisher closed the step).
   */
  private async refuse(op: BillingOperation, invoice: Invoice): Promise<boolean> {
    const now = this.deps.clock.now();
    try {
      await this.deps.orm.em.fork().transactional(async (em) => {
        // The failed step gives its key back, so the tenant may try the same change again.
        const closed = await em.nativeUpdate(BillingOperationSchema, { id: op.id, status: 'open' }, { status: 'failed', periodKey: `${op.periodKey}~failed~${op.id}`, updatedAt: now });
        if (closed !== 1) throw new Lost();
        const voided = await em.nativeUpdate(InvoiceSchema, { id: invoice.id, status: 'issued' }, { status: 'void', voidedAt: now, nextAttemptAt: null, updatedAt: now });
        if (voided !== 1) throw new Lost();
        await em.nativeUpdate(PendingChargeSchema, { invoiceId: invoice.id }, { invoiceId: null });
        await this.release(em, op, {});
      });
      return true;
    } catch (err) {
      if (err instanceof Lost) return false;
      throw err;
    }
  }

  /**
   * Undoes a step no charge was attempted for (the provider is called only after an attempt is
   * recorded, and attempts start only on an issued invoice whose attempt count they advance): its
   * draft is deleted, or its issued invoice voided, and the subscription released unchanged. Once an
   * attempt exists money may have moved, so the step is left to be finished.
   */
  private async abandon(op: BillingOperation): Promise<void> {
    const current = await this.load(op.id);
    if (current.status !== 'open') return;
    const now = this.deps.clock.now();
    try {
      await this.deps.orm.em.fork().transactional(async (em) => {
        const closed = await em.nativeUpdate(BillingOperationSchema, { id: op.id, status: 'open' }, { status: 'failed', periodKey: `${op.periodKey}~failed~${op.id}`, updatedAt: now });
        if (closed !== 1) throw new Lost();
        if (current.invoiceId) {
          const drafts = await em.nativeDelete(InvoiceSchema, { id: current.invoiceId, status: 'draft' });
          if (drafts === 1) {
            await em.nativeDelete(InvoiceLineSchema, { invoiceId: current.invoiceId });
            await em.nativeUpdate(BillingOperationSchema, { id: op.id }, { invoiceId: null });
          }
          const voided = drafts === 1 ? 1 : await em.nativeUpdate(InvoiceSchema, { id: current.invoiceId, status: 'issued', paymentAttempts: 0 }, { status: 'void', voidedAt: now, updatedAt: now });
          if (voided !== 1) throw new Lost();
          await em.nativeUpdate(PendingChargeSchema, { invoiceId: current.invoiceId }, { invoiceId: null });
        }
        await this.release(em, op, {});
      });
    } catch (err) {
      if (!(err instanceof Lost)) throw err;
    }
  }

  /** The money moved (or is on its way): effects on the tenant, then the changes and the release in one transaction. */
  private async apply(op: BillingOperation, plan: OperationPlan, tenant: Tenant): Promise<void> {
    // Idempotent, and before the step is marked done: a node stopping here leaves them to whoever finishes the step.
    if (plan.tenantAction) await this.deps.moveTenant(tenant.id, plan.tenantAction, plan.actor);
    if (plan.planId) await this.deps.syncTenantPlan(tenant, plan.planId, plan.actor);
    const now = this.deps.clock.now();
    const change = changeOf(op.purpose, plan);
    const applied = await this.deps.orm.em.fork().transactional(async (em) => {
      const closed = await em.nativeUpdate(BillingOperationSchema, { id: op.id, status: 'open' }, { status: 'done', updatedAt: now });
      if (closed !== 1) return false;
      const before = await em.findOne(SubscriptionSchema, { id: op.subscriptionId }, { disableIdentityMap: true });
      await this.release(em, op, plan.changes);
      const after = await em.findOne(SubscriptionSchema, { id: op.subscriptionId }, { disableIdentityMap: true });
      // Committed with the step's end: a finisher that loses the race (closed !== 1) says nothing.
      if (change && before && after) await this.deps.events(em, [subscriptionChanged(after, before, change)]);
      return true;
    });
    if (applied) this.deps.changed(op.tenantId);
  }

  private async release(em: EntityManager, op: BillingOperation, changes: Partial<Subscription>): Promise<void> {
    await em.nativeUpdate(
      SubscriptionSchema,
      { id: op.subscriptionId, operationId: op.id },
      { ...changes, operationId: null, version: raw('version + 1'), updatedAt: this.deps.clock.now() },
    );
  }
}
