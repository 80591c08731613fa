import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Tenant, TenantService } from '@dogan/tenants';
import type { Logger } from 'pino';
import { addMonths, type Clock } from '../clock.js';
import { PendingChargeSchema } from '../entities/invoices.js';
import { BillingNoticeSchema, SubscriptionSchema, type BillingCycle, type Subscription } from '../entities/subscriptions.js';
import { BillingErrors } from '../errors.js';
import { subscriptionChanged, type RecordEvents, type SubscriptionChange } from '../events.js';
import type { OperationPurpose } from '../entities/operations.js';
import type { BillingPlan } from '../entities/plans.js';
import type { InvoiceService, NewLine } from '../invoices/invoice-service.js';
import { lineText } from '../invoices/line-text.js';
import type { PaymentService } from '../payments/payment-service.js';
import type { PlanCatalog } from '../plans/plan-catalog.js';
import { monthlyPeriodAt } from '../usage/periods.js';
import { BillingOperations, type OperationPlan } from './billing-operations.js';
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
  events: RecordEvents;
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

const iso = (d: Date) => new Date(d).toISOString();
/** Passes over a subscription that changed under a request before it gives up with SUBSCRIPTION_BUSY. */
const PASSES = 3;

/**
 * Subscriptions: the trial created with the tenant, starting a paid plan, upgrades now with
 * proration to the second, downgrades and cycle shortening at period end, cancel at period end and
 * resume. A change that moves money is a claimed step (BillingOperations): planned on one version of
 * the subscription, applied only after the charge did not fail, and made once however many requests
 * or nodes ask for it at the same moment. Changes without money are conditional on the version too.
 */
export class SubscriptionService {
  readonly operations: BillingOperations;

  constructor(private readonly deps: SubscriptionDeps) {
    this.operations = new BillingOperations({
      ...deps,
      buyerOf,
      moveTenant: (tenantId, action, actor) => moveTenant(deps.tenants, tenantId, action, actor),
      syncTenantPlan: (tenant, planId, actor) => this.syncTenantPlan(tenant, planId, actor),
    });
  }

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
      version: 0,
      operationId: null,
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

  /** One-time charges waiting for the tenant's next invoice; the step that invoices them takes them under its claim. */
  async pendingChargeIds(tenantId: string): Promise<string[]> {
    const rows = await this.deps.orm.em.fork().find(PendingChargeSchema, { tenantId, invoiceId: null }, { orderBy: { createdAt: 'asc' }, fields: ['id'] });
    return rows.map((r) => r.id);
  }

  /**
   * The subscription as it is now, free of any step. A step whose node stopped is finished first;
   * one still running is SUBSCRIPTION_BUSY (409): the change it makes may be this very request's.
   */
  private async current(tenant: Tenant): Promise<Subscription> {
    for (let pass = 0; pass < PASSES; pass++) {
      const sub = await this.ensure(tenant);
      if (!sub.operationId) return sub;
      if ((await this.operations.settleHeld(sub)) === 'busy') throw BillingErrors.SUBSCRIPTION_BUSY();
    }
    throw BillingErrors.SUBSCRIPTION_BUSY();
  }

  /** `POST /billing/subscription`: start a paid plan, or change plan and cycle. */
  async change(tenant: Tenant, input: { plan: string; cycle?: BillingCycle }, actor: string): Promise<ChangeResult> {
    const plan = await this.deps.catalog.get(input.plan);
    for (let pass = 0; pass < PASSES; pass++) {
      const sub = await this.current(tenant);
      const result = await this.changeFrom(tenant, sub, plan, input.cycle ?? sub.cycle, actor);
      if (result) return result;
    }
    throw BillingErrors.SUBSCRIPTION_BUSY();
  }

  /** The change from one version of the subscription; null when that version is gone (re-read and decide again). */
  private async changeFrom(tenant: Tenant, sub: Subscription, plan: BillingPlan, cycle: BillingCycle, actor: string): Promise<ChangeResult | null> {
    const newPrice = this.deps.catalog.priceOf(plan, sub.currency)[cycle];
    if (sub.status === 'trialing' || sub.status === 'expired' || sub.status === 'canceled') return this.start(tenant, sub, plan.id, cycle, actor);

    const current = await this.deps.catalog.get(sub.planId);
    const oldPrice = this.deps.catalog.priceOf(current, sub.currency)[sub.cycle];
    const scheduled = async (changes: Partial<Subscription>) => {
      const subscription = await this.updateIfCurrent(sub, changes, 'change_scheduled');
      return subscription && { subscription, effect: 'scheduled' as const, invoiceId: null };
    };
    if (plan.id === sub.planId && cycle === sub.cycle) {
      if (!sub.pendingPlanId && !sub.pendingCycle) throw BillingErrors.SUBSCRIPTION_UNCHANGED(plan.id, cycle);
      return scheduled({ pendingPlanId: null, pendingCycle: null });
    }
    const now = this.deps.clock.now();
    const longer = cycleMonths(cycle) > cycleMonths(sub.cycle);
    const shorter = cycleMonths(cycle) < cycleMonths(sub.cycle);
    // Cheaper plans and shorter cycles wait for the period end: the tenant has paid for this period.
    if (shorter || (!longer && newPrice < oldPrice)) return scheduled({ pendingPlanId: plan.id, pendingCycle: cycle });
    // The key names the change and the version it is made from: the same change asked twice at once is one step.
    const periodKey = `${plan.id}/${cycle}@${iso(sub.currentPeriodStart)}#v${sub.version}`;
    if (longer) {
      // A longer cycle starts a new period now: full new price less the unused part of the old one.
      const credit = unusedCredit(oldPrice, sub.currentPeriodStart, sub.currentPeriodEnd, now);
      const end = addMonths(now, cycleMonths(cycle));
      const usage = monthlyPeriodAt(now, now);
      const lines: NewLine[] = [
        { kind: 'plan', description: lineText.plan(plan.name, cycle), amount: newPrice, metadata: { planId: plan.id, cycle } },
        ...(credit > 0 ? [{ kind: 'credit' as const, description: lineText.unusedCredit(current.name), amount: -credit }] : []),
      ];
      return this.step(tenant, sub, 'cycle_change', periodKey, 'immediate', {
        lines, pendingChargeIds: [], period: { start: now, end }, refuseOnFailure: true, tenantAction: null, planId: plan.id, actor,
        changes: { planId: plan.id, cycle, currentPeriodStart: now, currentPeriodEnd: end, usagePeriodStart: usage.start, usagePeriodEnd: usage.end, pendingPlanId: null, pendingCycle: null },
      });
    }
    const proration = prorateUpgrade(oldPrice, newPrice, sub.currentPeriodStart, sub.currentPeriodEnd, now);
    const changes = { planId: plan.id, pendingPlanId: null, pendingCycle: null };
    if (proration.amount <= 0) {
      const subscription = await this.updateIfCurrent(sub, changes, 'upgraded');
      if (!subscription) return null;
      await this.syncTenantPlan(tenant, plan.id, actor);
      return { subscription, effect: 'immediate', invoiceId: null };
    }
    const line: NewLine = {
      kind: 'proration',
      description: lineText.proration(current.name, plan.name, proration.remainingSeconds, proration.periodSeconds),
      amount: proration.amount,
      metadata: { from: current.id, to: plan.id, remainingSeconds: proration.remainingSeconds, periodSeconds: proration.periodSeconds },
    };
    return this.step(tenant, sub, 'upgrade', periodKey, 'immediate', {
      lines: [line], pendingChargeIds: [], period: { start: now, end: sub.currentPeriodEnd }, refuseOnFailure: true, tenantAction: null, planId: plan.id, actor, changes,
    });
  }

  /**
   * Trial (or lapsed) → paid: a new period from now, its full price (and waiting one-time charges)
   * invoiced and collected first. Null when another step holds the subscription or it changed.
   */
  async start(tenant: Tenant, sub: Subscription, planId: string, cycle: BillingCycle, actor: string, purpose: 'start' | 'trial_conversion' = 'start'): Promise<ChangeResult | null> {
    if (!this.deps.payments.provider) throw BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED('none', 'set BILLING_PROVIDER to take payments');
    if (!(await this.deps.payments.canCharge(tenant.id))) throw BillingErrors.SUBSCRIPTION_PAYMENT_METHOD_REQUIRED();
    const plan = await this.deps.catalog.get(planId);
    const now = this.deps.clock.now();
    const end = addMonths(now, cycleMonths(cycle));
    const usage = monthlyPeriodAt(now, now);
    // A trial converts once per trial end; a start is keyed like any client change.
    const periodKey = purpose === 'trial_conversion' && sub.trialEndsAt ? iso(sub.trialEndsAt) : `${planId}/${cycle}@${iso(sub.currentPeriodStart)}#v${sub.version}`;
    return this.step(tenant, sub, purpose, periodKey, 'started', {
      lines: [{ kind: 'plan', description: lineText.plan(plan.name, cycle), amount: this.deps.catalog.priceOf(plan, sub.currency)[cycle], metadata: { planId, cycle } }],
      pendingChargeIds: await this.pendingChargeIds(tenant.id),
      period: { start: now, end },
      refuseOnFailure: true,
      tenantAction: 'activate',
      planId,
      actor,
      changes: {
        planId, cycle, status: 'active', currentPeriodStart: now, currentPeriodEnd: end, usagePeriodStart: usage.start, usagePeriodEnd: usage.end,
        cancelAtPeriodEnd: false, pendingPlanId: null, pendingCycle: null,
      },
    });
  }

  private async step(tenant: Tenant, sub: Subscription, purpose: OperationPurpose, periodKey: string, effect: ChangeResult['effect'], plan: OperationPlan): Promise<ChangeResult | null> {
    const outcome = await this.operations.run(tenant, sub, purpose, periodKey, plan);
    if (!outcome) return null;
    return { subscription: await this.get(tenant.id), effect, invoiceId: outcome.invoiceId };
  }

  async cancel(tenantId: string): Promise<Subscription> {
    return this.mutate(tenantId, 'cancel_scheduled', (sub) => {
      if (sub.status === 'canceled' || sub.status === 'expired') throw BillingErrors.SUBSCRIPTION_NOT_ACTIVE(sub.status, 'there is nothing to cancel');
      return { cancelAtPeriodEnd: true };
    });
  }

  async resume(tenantId: string): Promise<Subscription> {
    return this.mutate(tenantId, 'resumed', (sub) => {
      if (!sub.cancelAtPeriodEnd) throw BillingErrors.SUBSCRIPTION_NOT_CANCELLING();
      return { cancelAtPeriodEnd: false };
    });
  }

  /** A change without money, decided on the subscription as it is and written only if it still is. */
  private async mutate(tenantId: string, reason: SubscriptionChange, decide: (sub: Subscription) => Partial<Subscription>): Promise<Subscription> {
    for (let pass = 0; pass < PASSES; pass++) {
      const sub = await this.get(tenantId);
      if (sub.operationId && (await this.operations.settleHeld(sub)) === 'busy') throw BillingErrors.SUBSCRIPTION_BUSY();
      if (sub.operationId) continue;
      const updated = await this.updateIfCurrent(sub, decide(sub), reason);
      if (updated) return updated;
    }
    throw BillingErrors.SUBSCRIPTION_BUSY();
  }

  /**
   * Writes `changes` if the subscription is still the version read and no step holds it, with
   * `billing.subscription_changed`; null otherwise.
   */
  private async updateIfCurrent(sub: Subscription, changes: Partial<Subscription>, reason: SubscriptionChange): Promise<Subscription | null> {
    const updated = await this.deps.orm.em.fork().transactional(async (em) => {
      const written = await em.nativeUpdate(SubscriptionSchema, { id: sub.id, version: sub.version, operationId: null }, { ...changes, version: sub.version + 1, updatedAt: this.deps.clock.now() });
      if (written !== 1) return null;
      const after = (await em.findOne(SubscriptionSchema, { id: sub.id }))!;
      await this.deps.events(em, [subscriptionChanged(after, sub, reason)]);
      return after;
    });
    if (updated) this.deps.changed(sub.tenantId);
    return updated;
  }

  /**
   * Moves the tenant's subscription from one status to another (past due after a failed payment,
   * active again once paid), with `billing.subscription_changed`; false when it was not in `from`.
   */
  async moveStatus(tenantId: string, from: Subscription['status'], to: Subscription['status'], reason: SubscriptionChange): Promise<boolean> {
    return this.deps.orm.em.fork().transactional(async (em) => {
      const before = await em.findOne(SubscriptionSchema, { tenantId, status: from }, { disableIdentityMap: true });
      if (!before || (await em.nativeUpdate(SubscriptionSchema, { id: before.id, status: from }, { status: to })) !== 1) return false;
      await this.deps.events(em, [subscriptionChanged({ ...before, status: to }, before, reason)]);
      return true;
    });
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
