import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Tenant, TenantService } from '@dogan/tenants';
import type { Logger } from 'pino';
import { addMonths, type Clock } from '../clock.js';
import { PendingChargeSchema } from '../entities/invoices.js';
import { BillingNoticeSchema, SubscriptionSchema, type BillingCycle, type Subscription } from '../entities/subscriptions.js';
import { BillingErrors } from '../errors.js';
import type { InvoiceService, NewLine } from '../invoices/invoice-service.js';
import { lineText } from '../invoices/line-text.js';
import type { PaymentService } from '../payments/payment-service.js';
import type { PlanCatalog } from '../plans/plan-catalog.js';
import { monthlyPeriodAt } from '../usage/periods.js';
import { prorateUpgrade, unusedCredit } from './proration.js';

export const cycleMonths = (cycle: BillingCycle) => (cycle === 'yearly' ? 12 : 1);

export interface ChangeResult {
  subscription: Subscription;
  /** `immediate` (new plan now, invoice issued), `scheduled` (at period end) or `started` (trial → paid). */
  effect: 'started' | 'immediate' | 'scheduled';
  invoiceId: string | null;
}

export interface SubscriptionDeps {
  orm: MikroORM;
  clock: Clock;
  log: Logger;
  catalog: PlanCatalog;
  invoices: InvoiceService;
  payments: PaymentService;
  tenants: TenantService;
  currency: string;
  trialDays: number;
  /** Called when a tenant's plan or period changed, so cached quotas are reloaded. */
  changed(tenantId: string): void;
}

/** Lifecycle actions billing takes on tenants; refusals (already active...) are not errors here. */
export async function moveTenant(tenants: TenantService, tenantId: string, action: 'activate' | 'suspend' | 'expire' | 'cancel', actor: string): Promise<void> {
  try {
    await tenants.transition(tenantId, action, actor);
  } catch (err) {
    if ((err as { code?: string }).code !== 'TENANT_TRANSITION_INVALID') throw err;
  }
}

export const buyerOf = (t: Tenant) => ({ id: t.id, name: t.name, country: t.country, timezone: t.timezone });

/**
 * Subscriptions: the trial created with the tenant, starting a paid plan, upgrades now with
 * proration to the second, downgrades and cycle shortening at period end, cancel at period end and
 * resume. A change that needs money is applied only after the charge did not fail.
 */
export class SubscriptionService {
  constructor(private readonly deps: SubscriptionDeps) {}

  async find(tenantId: string): Promise<Subscription | null> {
    return this.deps.orm.em.fork().findOne(SubscriptionSchema, { tenantId });
  }

  /** The tenant's subscription, creating the trial one if the tenant predates billing. */
  async ensure(tenant: Tenant): Promise<Subscription> {
    const existing = await this.find(tenant.id);
    if (existing) return existing;
    const now = this.deps.clock.now();
    // The trial's length comes from the tenant record; its start from billing's clock, so tests that move the clock stay consistent.
    const trialMs = tenant.trialEndsAt ? new Date(tenant.trialEndsAt).getTime() - new Date(tenant.createdAt).getTime() : this.deps.trialDays * 86_400_000;
    const trialEndsAt = new Date(now.getTime() + Math.max(0, trialMs));
    const usage = monthlyPeriodAt(now, now);
    const em = this.deps.orm.em.fork();
    const subscription = em.create(SubscriptionSchema, {
      id: randomUUID(),
      tenantId: tenant.id,
      planId: tenant.plan,
      cycle: 'monthly',
      currency: this.deps.currency,
      status: tenant.status === 'active' ? 'active' : 'trialing',
      trialEndsAt,
      currentPeriodStart: now,
      currentPeriodEnd: tenant.status === 'active' ? addMonths(now, 1) : trialEndsAt,
      usagePeriodStart: usage.start,
      usagePeriodEnd: usage.end,
      cancelAtPeriodEnd: false,
      pendingPlanId: null,
      pendingCycle: null,
      suspendedForNonPayment: false,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await em.flush();
      return subscription;
    } catch (err) {
      if ((err as Error).name === 'UniqueConstraintViolationException') return (await this.find(tenant.id))!;
      throw err;
    }
  }

  async get(tenantId: string): Promise<Subscription> {
    const subscription = await this.find(tenantId);
    if (!subscription) throw BillingErrors.SUBSCRIPTION_NOT_FOUND(tenantId);
    return subscription;
  }

  private async takePendingCharges(tenantId: string): Promise<{ lines: NewLine[]; ids: string[] }> {
    const rows = await this.deps.orm.em.fork().find(PendingChargeSchema, { tenantId, invoiceId: null }, { orderBy: { createdAt: 'asc' } });
    return { lines: rows.map((r) => ({ kind: 'module', description: r.description, amount: r.amount, metadata: r.metadata })), ids: rows.map((r) => r.id) };
  }

  /**
   * Draft → issue → collect. A card payment that fails right away voids the invoice and refuses the
   * change (PAYMENT_FAILED); pending outcomes (bank transfer, 3-D Secure) let it proceed.
   */
  async invoiceAndCollect(tenant: Tenant, lines: NewLine[], period: { start: Date; end: Date }, pendingChargeIds: string[] = [], refuseOnFailure = true): Promise<string> {
    const draft = await this.deps.orm.em.fork().transactional(async (em) => {
      const created = await this.deps.invoices.createDraft(em, { buyer: buyerOf(tenant), currency: this.deps.currency, periodStart: period.start, periodEnd: period.end, lines });
      if (pendingChargeIds.length) await em.nativeUpdate(PendingChargeSchema, { id: { $in: pendingChargeIds }, invoiceId: null }, { invoiceId: created.invoice.id });
      return created;
    });
    const issued = await this.deps.invoices.issue(draft.invoice.id, tenant.timezone);
    if (!this.deps.payments.provider) return issued.id;
    const payment = await this.deps.payments.collect(issued.id);
    if (refuseOnFailure && payment?.status === 'failed') {
      await this.deps.invoices.void(issued.id).catch(() => undefined);
      if (pendingChargeIds.length) await this.deps.orm.em.fork().nativeUpdate(PendingChargeSchema, { id: { $in: pendingChargeIds } }, { invoiceId: null });
      throw BillingErrors.PAYMENT_FAILED(issued.number ?? issued.id, payment.failureMessage ?? 'declined');
    }
    return issued.id;
  }

  /** `POST /billing/subscription`: start a paid plan, or change plan and cycle. */
  async change(tenant: Tenant, input: { plan: string; cycle?: BillingCycle }, actor: string): Promise<ChangeResult> {
    const plan = await this.deps.catalog.get(input.plan);
    const sub = await this.ensure(tenant);
    const cycle = input.cycle ?? sub.cycle;
    const newPrice = this.deps.catalog.priceOf(plan, sub.currency)[cycle];
    if (sub.status === 'trialing' || sub.status === 'expired' || sub.status === 'canceled') return this.start(tenant, sub, plan.id, cycle, actor);

    const current = await this.deps.catalog.get(sub.planId);
    const oldPrice = this.deps.catalog.priceOf(current, sub.currency)[sub.cycle];
    if (plan.id === sub.planId && cycle === sub.cycle) {
      if (!sub.pendingPlanId && !sub.pendingCycle) throw BillingErrors.SUBSCRIPTION_UNCHANGED(plan.id, cycle);
      return { subscription: await this.update(sub, { pendingPlanId: null, pendingCycle: null }), effect: 'scheduled', invoiceId: null };
    }
    const now = this.deps.clock.now();
    const longer = cycleMonths(cycle) > cycleMonths(sub.cycle);
    const shorter = cycleMonths(cycle) < cycleMonths(sub.cycle);
    // Cheaper plans and shorter cycles wait for the period end: the tenant has paid for this period.
    if (shorter || (!longer && newPrice < oldPrice)) {
      return { subscription: await this.update(sub, { pendingPlanId: plan.id, pendingCycle: cycle }), effect: 'scheduled', invoiceId: null };
    }
    if (longer) {
      // A longer cycle starts a new period now: full new price less the unused part of the old one.
      const credit = unusedCredit(oldPrice, sub.currentPeriodStart, sub.currentPeriodEnd, now);
      const end = addMonths(now, cycleMonths(cycle));
      const lines: NewLine[] = [
        { kind: 'plan', description: lineText.plan(plan.name, cycle), amount: newPrice, metadata: { planId: plan.id, cycle } },
        ...(credit > 0 ? [{ kind: 'credit' as const, description: lineText.unusedCredit(current.name), amount: -credit }] : []),
      ];
      const invoiceId = await this.invoiceAndCollect(tenant, lines, { start: now, end });
      const usage = monthlyPeriodAt(now, now);
      const subscription = await this.update(sub, { planId: plan.id, cycle, currentPeriodStart: now, currentPeriodEnd: end, usagePeriodStart: usage.start, usagePeriodEnd: usage.end, pendingPlanId: null, pendingCycle: null });
      await this.syncTenantPlan(tenant, plan.id, actor);
      return { subscription, effect: 'immediate', invoiceId };
    }
    const proration = prorateUpgrade(oldPrice, newPrice, sub.currentPeriodStart, sub.currentPeriodEnd, now);
    let invoiceId: string | null = null;
    if (proration.amount > 0) {
      const line: NewLine = {
        kind: 'proration',
        description: lineText.proration(current.name, plan.name, proration.remainingSeconds, proration.periodSeconds),
        amount: proration.amount,
        metadata: { from: current.id, to: plan.id, remainingSeconds: proration.remainingSeconds, periodSeconds: proration.periodSeconds },
      };
      invoiceId = await this.invoiceAndCollect(tenant, [line], { start: now, end: sub.currentPeriodEnd });
    }
    const subscription = await this.update(sub, { planId: plan.id, pendingPlanId: null, pendingCycle: null });
    await this.syncTenantPlan(tenant, plan.id, actor);
    return { subscription, effect: 'immediate', invoiceId };
  }

  /** Trial (or lapsed) → paid: a new period from now, its full price invoiced and collected first. */
  async start(tenant: Tenant, sub: Subscription, planId: string, cycle: BillingCycle, actor: string): Promise<ChangeResult> {
    if (!this.deps.payments.provider) throw BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED('none', 'set BILLING_PROVIDER to take payments');
    if (!(await this.deps.payments.canCharge(tenant.id))) throw BillingErrors.SUBSCRIPTION_PAYMENT_METHOD_REQUIRED();
    const plan = await this.deps.catalog.get(planId);
    const now = this.deps.clock.now();
    const end = addMonths(now, cycleMonths(cycle));
    const pending = await this.takePendingCharges(tenant.id);
    const lines: NewLine[] = [
      { kind: 'plan', description: lineText.plan(plan.name, cycle), amount: this.deps.catalog.priceOf(plan, sub.currency)[cycle], metadata: { planId, cycle } },
      ...pending.lines,
    ];
    const invoiceId = await this.invoiceAndCollect(tenant, lines, { start: now, end }, pending.ids);
    const usage = monthlyPeriodAt(now, now);
    const subscription = await this.update(sub, {
      planId, cycle, status: 'active', currentPeriodStart: now, currentPeriodEnd: end, usagePeriodStart: usage.start, usagePeriodEnd: usage.end,
      cancelAtPeriodEnd: false, pendingPlanId: null, pendingCycle: null,
    });
    await moveTenant(this.deps.tenants, tenant.id, 'activate', actor);
    await this.syncTenantPlan(tenant, planId, actor);
    return { subscription, effect: 'started', invoiceId };
  }

  async cancel(tenantId: string): Promise<Subscription> {
    const sub = await this.get(tenantId);
    if (sub.status === 'canceled' || sub.status === 'expired') throw BillingErrors.SUBSCRIPTION_NOT_ACTIVE(sub.status, 'there is nothing to cancel');
    return this.update(sub, { cancelAtPeriodEnd: true });
  }

  async resume(tenantId: string): Promise<Subscription> {
    const sub = await this.get(tenantId);
    if (!sub.cancelAtPeriodEnd) throw BillingErrors.SUBSCRIPTION_NOT_CANCELLING();
    return this.update(sub, { cancelAtPeriodEnd: false });
  }

  async update(sub: Subscription, changes: Partial<Subscription>): Promise<Subscription> {
    const em = this.deps.orm.em.fork();
    const row = (await em.findOne(SubscriptionSchema, { id: sub.id }))!;
    Object.assign(row, changes, { updatedAt: this.deps.clock.now() });
    await em.flush();
    this.deps.changed(sub.tenantId);
    return row;
  }

  /** Keeps the tenant record's plan in step (the tenants plugin still validates its own plan names). */
  async syncTenantPlan(tenant: Tenant, planId: string, actor: string): Promise<void> {
    if (tenant.plan === planId) return;
    try {
      await this.deps.tenants.update(tenant.id, { plan: planId }, actor);
    } catch (err) {
      if ((err as { code?: string }).code !== 'PLAN_UNKNOWN') throw err;
      this.deps.log.warn({ tenantId: tenant.id, planId }, 'tenant record keeps its plan: the tenants plugin does not know this plan');
    }
  }

  async notice(tenantId: string, kind: string, details: Record<string, unknown>): Promise<void> {
    const em = this.deps.orm.em.fork();
    em.create(BillingNoticeSchema, { id: randomUUID(), tenantId, kind, details, createdAt: this.deps.clock.now() });
    await em.flush();
  }

  async notices(tenantId: string) {
    return this.deps.orm.em.fork().find(BillingNoticeSchema, { tenantId }, { orderBy: { createdAt: 'desc' }, limit: 50 });
  }
}
