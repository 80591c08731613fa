import { createHash } from 'node:crypto';
import { raw, type MikroORM } from '@mikro-orm/core';
import { isDoganError } from '@dogan/runtime';
import type { Tenant, TenantService } from '@dogan/tenants';
import type { Logger } from 'pino';
import { addMonths, DAY_MS, type Clock } from '../clock.js';
import { BillingNoticeSchema, SubscriptionSchema, type Subscription } from '../entities/subscriptions.js';
import { subscriptionChanged, trialEnding, type RecordEvents } from '../events.js';
import type { NewLine } from '../invoices/invoice-service.js';
import { lineText } from '../invoices/line-text.js';
import type { ModuleBilling } from '../marketplace/module-billing.js';
import { perStartedBlock } from '../money.js';
import type { PaymentService } from '../payments/payment-service.js';
import type { PlanCatalog } from '../plans/plan-catalog.js';
import type { ApiCallMeter } from '../usage/api-meter.js';
import { monthlyPeriodAt } from '../usage/periods.js';
import type { UsageService } from '../usage/usage-service.js';
import { cycleMonths, moveTenant, type SubscriptionService } from './subscription-service.js';

/** Days an expired trial's data is kept and the tenant may still choose a plan (the grace notice). */
export const TRIAL_GRACE_DAYS = 30;
/** Days before a trial ends that the tenant is told (`billing.trial_ending`, as Stripe's trial_will_end). */
export const TRIAL_ENDING_NOTICE_DAYS = 3;
const GB = 1_000_000_000;

export interface CycleDeps {
  orm: MikroORM;
  clock: Clock;
  log: Logger;
  catalog: PlanCatalog;
  subscriptions: SubscriptionService;
  payments: PaymentService;
  usage: UsageService;
  meter: ApiCallMeter;
  modules: ModuleBilling;
  tenants: TenantService;
  events: RecordEvents;
}

/** A UUID-shaped id derived from `parts`: the same notice, made by any run on any node, has one id. */
function derivedId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The periodic billing run: steps whose node stopped are finished first; then trial ends (convert
 * with a payment method, else expire with a grace notice), usage periods closing (overage, modules)
 * and renewals (plan fee, scheduled downgrades, cancellations). Each money-moving step is claimed
 * once per tenant, purpose and period (BillingOperations), so runs overlapping on one node or many
 * bill each period once; a subscription held by a running step is left to it.
 */
export class BillingCycle {
  constructor(private readonly deps: CycleDeps) {}

  /** One whole billing run: the periods below, then dunning (the admin route's run). */
  async run(): Promise<{ processed: number }> {
    const result = await this.runPeriods();
    await this.deps.payments.runDunning();
    return result;
  }

  /** Trial ends, closed usage periods and renewals, without dunning (scheduled on their own). */
  async runPeriods(): Promise<{ processed: number }> {
    await this.deps.meter.flush();
    await this.deps.subscriptions.operations.recoverStale((op) => (op.purpose === 'trial_conversion' ? this.expireStaleTrial(op.tenantId) : Promise.resolve()));
    const now = this.deps.clock.now();
    await this.warnTrialsEnding(now);
    const em = this.deps.orm.em.fork();
    const due = await em.find(SubscriptionSchema, {
      operationId: null,
      $or: [
        { status: { $in: ['active', 'past_due'] }, usagePeriodEnd: { $lte: now } },
        { status: 'trialing', $or: [{ trialEndsAt: { $lte: now } }, { usagePeriodEnd: { $lte: now } }] },
      ],
    });
    let processed = 0;
    for (const sub of due) {
      try {
        const tenant = await this.deps.tenants.find(sub.tenantId);
        if (!tenant) continue;
        await (sub.status === 'trialing' ? this.trial(sub, tenant) : this.closePeriods(sub, tenant));
        processed++;
      } catch (err) {
        this.deps.log.error({ err, tenantId: sub.tenantId }, 'billing run failed for a subscription');
      }
    }
    return { processed };
  }

  private async trial(sub: Subscription, tenant: Tenant): Promise<void> {
    const now = this.deps.clock.now();
    if (sub.trialEndsAt && sub.trialEndsAt.getTime() <= now.getTime()) {
      if (!sub.cancelAtPeriodEnd && (await this.deps.payments.canCharge(tenant.id))) {
        try {
          // Null: another run converts it, or converted it already; nothing to expire.
          await this.deps.subscriptions.start(tenant, sub, sub.planId, sub.cycle, 'system:trial-end', 'trial_conversion');
          return;
        } catch (err) {
          // Only a refusal (declined card, plan gone) expires the trial; a failure of ours leaves it for the next run.
          if (!isDoganError(err) || err.statusCode >= 500) throw err;
          this.deps.log.warn({ tenantId: tenant.id, code: err.code }, 'trial conversion failed; expiring');
        }
      }
      await this.expireTrial(sub.id, tenant.id);
      return;
    }
    const next = monthlyPeriodAt(sub.currentPeriodStart, now);
    await this.deps.orm.em.fork().nativeUpdate(SubscriptionSchema, { id: sub.id, usagePeriodEnd: sub.usagePeriodEnd, operationId: null }, { usagePeriodStart: next.start, usagePeriodEnd: next.end });
  }

  /**
   * Tells each tenant whose trial ends within TRIAL_ENDING_NOTICE_DAYS, once per trial end: the notice's
   * id is derived from the subscription and its trial end, so of any runs on any nodes one inserts it,
   * and `billing.trial_ending` commits with that insert.
   */
  private async warnTrialsEnding(now: Date): Promise<void> {
    const soon = new Date(now.getTime() + TRIAL_ENDING_NOTICE_DAYS * DAY_MS);
    const ending = await this.deps.orm.em.fork().find(SubscriptionSchema, { status: 'trialing', cancelAtPeriodEnd: false, trialEndsAt: { $gt: now, $lte: soon } });
    for (const sub of ending) {
      const trialEndsAt = sub.trialEndsAt!.toISOString();
      try {
        const convertible = await this.deps.payments.canCharge(sub.tenantId);
        await this.deps.orm.em.fork().transactional(async (em) => {
          await em.insert(BillingNoticeSchema, { id: derivedId('trial_ending', sub.id, trialEndsAt), tenantId: sub.tenantId, kind: 'trial_ending', details: { trialEndsAt, paymentMethodOnFile: convertible }, createdAt: now });
          await this.deps.events(em, [trialEnding(sub, convertible)]);
        });
      } catch (err) {
        if ((err as Error).name === 'UniqueConstraintViolationException') continue;
        this.deps.log.error({ err, tenantId: sub.tenantId }, 'could not tell a tenant that its trial ends soon');
      }
    }
  }

  /** Trial → expired with a grace notice, once (the status is the claim), unless a step holds the subscription. */
  private async expireTrial(subscriptionId: string, tenantId: string): Promise<void> {
    const now = this.deps.clock.now();
    const claimed = await this.deps.orm.em.fork().transactional(async (em) => {
      const before = await em.findOne(SubscriptionSchema, { id: subscriptionId }, { disableIdentityMap: true });
      const expired = await em.nativeUpdate(SubscriptionSchema, { id: subscriptionId, status: 'trialing', operationId: null }, { status: 'expired', version: raw('version + 1'), updatedAt: now });
      if (expired === 1 && before) await this.deps.events(em, [subscriptionChanged({ ...before, status: 'expired' }, before, 'trial_expired')]);
      return expired;
    });
    if (claimed !== 1) return;
    await moveTenant(this.deps.tenants, tenantId, 'expire', 'system:trial-end');
    await this.deps.subscriptions.notice(tenantId, 'trial_ended', {
      messageKey: 'email.trialEnded.subject',
      graceEndsAt: new Date(now.getTime() + TRIAL_GRACE_DAYS * DAY_MS).toISOString(),
      action: 'POST /api/v1/{tenant}/billing/subscription',
    });
  }

  /** A trial conversion finished by another run was refused: the trial ends as it would have. */
  private async expireStaleTrial(tenantId: string): Promise<void> {
    const sub = await this.deps.subscriptions.find(tenantId);
    if (sub?.status === 'trialing' && sub.trialEndsAt && sub.trialEndsAt.getTime() <= this.deps.clock.now().getTime()) await this.expireTrial(sub.id, tenantId);
  }

  /** Closes every ended usage period in order (a node down for two months bills both). */
  private async closePeriods(sub: Subscription, tenant: Tenant): Promise<void> {
    let current: Subscription | null = sub;
    while (current && (current.status === 'active' || current.status === 'past_due') && current.usagePeriodEnd.getTime() <= this.deps.clock.now().getTime()) {
      current = await this.closePeriod(current, tenant);
    }
  }

  private async overageLines(sub: Subscription, tenant: Tenant, period: { start: Date; end: Date }): Promise<NewLine[]> {
    const plan = await this.deps.catalog.get(sub.planId);
    const rates = plan.overage[sub.currency];
    if (!rates) return [];
    const lines: NewLine[] = [];
    const apiLimit = await this.deps.catalog.limit(tenant.id, sub.planId, 'apiCallsPerMonth');
    if (apiLimit !== null) {
      const over = (await this.deps.usage.apiCalls(tenant.id, period.start)) - apiLimit;
      const amount = perStartedBlock(over, 1000, rates.apiCallsPer1000);
      if (amount > 0) lines.push({ kind: 'overage', description: lineText.apiOverage(over), quantity: Math.ceil(over / 1000), unitAmount: rates.apiCallsPer1000, amount, metadata: { metric: 'api_calls', over } });
    }
    const storageLimit = await this.deps.catalog.limit(tenant.id, sub.planId, 'storageGb');
    if (storageLimit !== null) {
      const overBytes = (await this.deps.usage.storageBytes(tenant)) - storageLimit * GB;
      const amount = perStartedBlock(overBytes, GB, rates.storagePerGb);
      if (amount > 0) {
        const gb = Math.ceil(overBytes / GB);
        lines.push({ kind: 'overage', description: lineText.storageOverage(gb), quantity: gb, unitAmount: rates.storagePerGb, amount, metadata: { metric: 'storage', overBytes } });
      }
    }
    return lines;
  }

  /**
   * One usage period closed as one claimed step, keyed by the period it closes (a renewal by the
   * billing period it ends). Null when another run holds or already closed it.
   */
  private async closePeriod(sub: Subscription, tenant: Tenant): Promise<Subscription | null> {
    const ended = { start: sub.usagePeriodStart, end: sub.usagePeriodEnd };
    const lines: NewLine[] = [...(await this.overageLines(sub, tenant, ended)), ...(await this.deps.modules.periodLines(tenant.id, ended))];
    const renewal = sub.currentPeriodEnd.getTime() <= ended.end.getTime();
    const changes: Partial<Subscription> = {};
    let tenantAction: 'cancel' | null = null;
    if (renewal && sub.cancelAtPeriodEnd) {
      Object.assign(changes, { status: 'canceled', cancelAtPeriodEnd: false });
      tenantAction = 'cancel';
    } else if (renewal) {
      const planId = sub.pendingPlanId ?? sub.planId;
      const cycle = sub.pendingCycle ?? sub.cycle;
      const plan = await this.deps.catalog.get(planId);
      const start = sub.currentPeriodEnd;
      const end = addMonths(start, cycleMonths(cycle));
      lines.unshift({ kind: 'plan', description: lineText.plan(plan.name, cycle), amount: this.deps.catalog.priceOf(plan, sub.currency)[cycle], metadata: { planId, cycle } });
      Object.assign(changes, { planId, cycle, currentPeriodStart: start, currentPeriodEnd: end, pendingPlanId: null, pendingCycle: null, usagePeriodStart: start, usagePeriodEnd: addMonths(start, 1) });
    }
    if (!changes.usagePeriodStart) {
      const next = monthlyPeriodAt(sub.currentPeriodStart, ended.end);
      Object.assign(changes, { usagePeriodStart: next.start, usagePeriodEnd: next.end });
    }
    const period = renewal && !tenantAction ? { start: ended.start, end: changes.currentPeriodEnd! } : ended;
    const outcome = await this.deps.subscriptions.operations.run(tenant, sub, renewal ? 'renewal' : 'period_close', (renewal ? sub.currentPeriodEnd : sub.usagePeriodEnd).toISOString(), {
      lines,
      pendingChargeIds: await this.deps.subscriptions.pendingChargeIds(tenant.id),
      period,
      refuseOnFailure: false,
      changes,
      tenantAction,
      planId: changes.planId ?? null,
      actor: tenantAction ? 'system:period-end' : 'system:renewal',
    });
    if (!outcome) return null;
    return this.deps.subscriptions.find(tenant.id);
  }
}
