/**
 * The platform events billing records, version 1 of each. Each is written in the transaction that
 * makes the change it reports (an invoice issued with its number, a payment's outcome, a subscription
 * released with its new plan), so it is published exactly when the change committed. Amounts are in
 * minor units (halalas, cents) as everywhere in billing; no card data, provider keys or idempotency keys.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { NewPlatformEvent } from '@dogan/tenants';
import type { Invoice } from './entities/invoices.js';
import type { Payment } from './entities/payments.js';
import type { Subscription } from './entities/subscriptions.js';

export const BILLING_EVENT_TYPES = [
  'billing.invoice_issued',
  'billing.payment_succeeded',
  'billing.payment_failed',
  'billing.trial_ending',
  'billing.subscription_changed',
] as const;

export type BillingEventType = (typeof BILLING_EVENT_TYPES)[number];

/** Records events on a control-plane transaction (the events plugin's outbox, when loaded). */
export type RecordEvents = (em: EntityManager, events: readonly NewPlatformEvent[]) => Promise<void>;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export interface InvoiceIssuedPayload {
  invoice: {
    id: string;
    number: string;
    kind: Invoice['kind'];
    currency: string;
    subtotal: number;
    vat: number;
    total: number;
    periodStart: string;
    periodEnd: string;
    issuedAt: string;
    dueAt: string | null;
    /** A credit note's invoice. */
    correctsInvoiceId: string | null;
  };
}

export interface PaymentView {
  id: string;
  invoiceId: string;
  invoiceNumber: string | null;
  provider: string;
  attempt: number;
  amount: number;
  currency: string;
}

export interface PaymentSucceededPayload {
  payment: PaymentView & { reference: string | null };
}

export interface PaymentFailedPayload {
  payment: PaymentView & { failureCode: string | null; failureMessage: string | null };
  /** When dunning tries again; null when it will not. */
  nextAttemptAt: string | null;
  /** True when this failure ran out the dunning schedule (the tenant is suspended). */
  dunningExhausted: boolean;
}

export interface TrialEndingPayload {
  subscriptionId: string;
  planId: string;
  trialEndsAt: string;
  /** Whether a payment method is saved: with one the trial converts to the plan, without it expires. */
  paymentMethodOnFile: boolean;
}

export interface SubscriptionView {
  id: string;
  planId: string;
  cycle: Subscription['cycle'];
  status: Subscription['status'];
  currentPeriodStart: string;
  currentPeriodEnd: string;
  trialEndsAt: string | null;
  cancelAtPeriodEnd: boolean;
  pendingPlanId: string | null;
  pendingCycle: Subscription['cycle'] | null;
}

/** Why a subscription changed. */
export type SubscriptionChange =
  | 'started'
  | 'trial_converted'
  | 'trial_expired'
  | 'upgraded'
  | 'cycle_changed'
  | 'change_scheduled'
  | 'cancel_scheduled'
  | 'resumed'
  | 'renewed'
  | 'canceled'
  | 'past_due'
  | 'payment_recovered';

export interface SubscriptionChangedPayload {
  subscription: SubscriptionView;
  previous: Pick<SubscriptionView, 'planId' | 'cycle' | 'status' | 'cancelAtPeriodEnd' | 'pendingPlanId' | 'pendingCycle'>;
  reason: SubscriptionChange;
}

export function invoiceIssued(invoice: Invoice): NewPlatformEvent<InvoiceIssuedPayload> {
  const { id, number, kind, currency, subtotal, vat, total, correctsInvoiceId } = invoice;
  return {
    type: 'billing.invoice_issued',
    version: 1,
    tenantId: invoice.tenantId,
    payload: { invoice: { id, number: number!, kind, currency, subtotal, vat, total, correctsInvoiceId, periodStart: iso(invoice.periodStart)!, periodEnd: iso(invoice.periodEnd)!, issuedAt: iso(invoice.issuedAt)!, dueAt: iso(invoice.dueAt) } },
  };
}

function paymentView(p: Payment, invoice: Pick<Invoice, 'number'> | null): PaymentView {
  return { id: p.id, invoiceId: p.invoiceId, invoiceNumber: invoice?.number ?? null, provider: p.provider, attempt: p.attempt, amount: p.amount, currency: p.currency };
}

export function paymentSucceeded(payment: Payment, invoice: Pick<Invoice, 'number'> | null): NewPlatformEvent<PaymentSucceededPayload> {
  return { type: 'billing.payment_succeeded', version: 1, tenantId: payment.tenantId, payload: { payment: { ...paymentView(payment, invoice), reference: payment.reference } } };
}

export function paymentFailed(payment: Payment, invoice: Pick<Invoice, 'number'> | null, nextAttemptAt: Date | null, dunningExhausted: boolean): NewPlatformEvent<PaymentFailedPayload> {
  return {
    type: 'billing.payment_failed',
    version: 1,
    tenantId: payment.tenantId,
    payload: { payment: { ...paymentView(payment, invoice), failureCode: payment.failureCode, failureMessage: payment.failureMessage }, nextAttemptAt: iso(nextAttemptAt), dunningExhausted },
  };
}

export function trialEnding(sub: Subscription, paymentMethodOnFile: boolean): NewPlatformEvent<TrialEndingPayload> {
  return { type: 'billing.trial_ending', version: 1, tenantId: sub.tenantId, payload: { subscriptionId: sub.id, planId: sub.planId, trialEndsAt: iso(sub.trialEndsAt)!, paymentMethodOnFile } };
}

function subscriptionView(s: Subscription): SubscriptionView {
  return {
    id: s.id,
    planId: s.planId,
    cycle: s.cycle,
    status: s.status,
    currentPeriodStart: iso(s.currentPeriodStart)!,
    currentPeriodEnd: iso(s.currentPeriodEnd)!,
    trialEndsAt: iso(s.trialEndsAt),
    cancelAtPeriodEnd: Boolean(s.cancelAtPeriodEnd),
    pendingPlanId: s.pendingPlanId ?? null,
    pendingCycle: s.pendingCycle ?? null,
  };
}

export function subscriptionChanged(after: Subscription, before: Subscription, reason: SubscriptionChange): NewPlatformEvent<SubscriptionChangedPayload> {
  const { planId, cycle, status, cancelAtPeriodEnd, pendingPlanId, pendingCycle } = subscriptionView(before);
  return {
    type: 'billing.subscription_changed',
    version: 1,
    tenantId: after.tenantId,
    payload: { subscription: subscriptionView(after), previous: { planId, cycle, status, cancelAtPeriodEnd, pendingPlanId, pendingCycle }, reason },
  };
}
