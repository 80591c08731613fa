import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { InvoiceSchema, type Invoice } from '../entities/invoices.js';
import { PaymentSchema, WebhookEventSchema, type Payment } from '../entities/payments.js';
import { BillingCustomerSchema } from '../entities/subscriptions.js';
import { BillingErrors } from '../errors.js';
import { paymentFailed, paymentSucceeded, type RecordEvents } from '../events.js';
import { nextRetryAt } from './dunning.js';
import type { PaymentProvider, ProviderEvent, ProviderName } from './provider.js';

/** How long a claimed dunning retry may take before another run may make it. */
export const DUNNING_LEASE_MS = 5 * 60_000;

export interface PaymentHooks {
  /** After an invoice became paid (once): payouts, reactivation. */
  onInvoicePaid(invoice: Invoice): Promise<void>;
  /** After the dunning schedule ran out for an invoice. */
  onDunningExhausted(invoice: Invoice): Promise<void>;
  /** After a failed attempt (for notices and the subscription's past-due status). */
  onPaymentFailed(invoice: Invoice, payment: Payment): Promise<void>;
}

export type WebhookOutcome = 'duplicate' | 'applied' | 'unchanged' | 'unknown_invoice' | 'amount_mismatch' | 'ignored';

/**
 * Collecting invoices: one Payment row per attempt (created before the provider is called, with the
 * attempt's idempotency key), outcomes applied idempotently whether they come from the provider's
 * answer, a webhook (possibly twice, possibly late) or an admin confirming a transfer. `succeeded`
 * is final; a failure never overwrites it. The dunning schedule lives on the invoice.
 */
export class PaymentService {
  constructor(
    private readonly deps: {
      orm: MikroORM;
      clock: Clock;
      log: Logger;
      provider: PaymentProvider | undefined;
      providers: (name: ProviderName) => PaymentProvider | undefined;
      hooks: PaymentHooks;
      events: RecordEvents;
    },
  ) {}

  get provider(): PaymentProvider | undefined {
    return this.deps.provider;
  }

  private requireProvider(): PaymentProvider {
    const provider = this.deps.provider;
    if (!provider) throw BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED('none', 'set BILLING_PROVIDER to stripe, moyasar or bank_transfer');
    return provider;
  }

  async customerOf(tenantId: string) {
    const provider = this.requireProvider();
    return this.deps.orm.em.fork().findOne(BillingCustomerSchema, { id: `${tenantId}:${provider.name}` });
  }

  /** True when the configured provider can charge this tenant without it being present. */
  async canCharge(tenantId: string): Promise<boolean> {
    const provider = this.deps.provider;
    if (!provider) return false;
    if (!provider.needsPaymentMethod) return true;
    return Boolean((await this.customerOf(tenantId))?.paymentMethod);
  }

  async savePaymentMethod(tenant: { id: string; name: string }, paymentMethod: string): Promise<{ provider: string; paymentMethod: string }> {
    const provider = this.requireProvider();
    const em = this.deps.orm.em.fork();
    const id = `${tenant.id}:${provider.name}`;
    const existing = await em.findOne(BillingCustomerSchema, { id });
    const saved = await provider.savePaymentMethod({ tenantId: tenant.id, tenantName: tenant.name, customerId: existing?.customerId ?? null, paymentMethod });
    const now = this.deps.clock.now();
    await em.upsert(BillingCustomerSchema, { id, tenantId: tenant.id, provider: provider.name, customerId: saved.customerId, paymentMethod: saved.paymentMethod, createdAt: existing?.createdAt ?? now, updatedAt: now });
    return { provider: provider.name, paymentMethod: saved.paymentMethod };
  }

  /**
   * Collects an issued invoice, with at most one attempt in flight. An attempt whose outcome is
   * unknown (no answer) is asked again with its own idempotency key, so the provider replays it
   * rather than charging again; one awaiting the provider (3-D Secure, a transfer) is left to its
   * webhook; a new attempt starts only after the last one failed, claimed by advancing the invoice's
   * attempt counter, so two nodes never start the same one. `firstOnly`: the collection that comes
   * with issuing an invoice; once tried, its outcome stands (a declined card is dunning's to retry).
   */
  async collect(invoiceId: string, options: { firstOnly?: boolean } = {}): Promise<Payment | null> {
    const em = this.deps.orm.em.fork();
    const invoice = await em.findOne(InvoiceSchema, { id: invoiceId });
    if (!invoice) throw BillingErrors.INVOICE_NOT_FOUND(invoiceId);
    if (invoice.status !== 'issued' || invoice.kind !== 'invoice') return null;
    if (invoice.total <= 0) {
      await this.settle(invoice.id, null);
      return null;
    }
    const provider = this.requireProvider();
    const succeeded = await em.findOne(PaymentSchema, { invoiceId, status: 'succeeded' });
    if (succeeded) {
      // The money moved but the invoice was not marked paid: the node stopped in between.
      await this.settle(invoice.id, succeeded);
      return succeeded;
    }
    const latest = await em.findOne(PaymentSchema, { invoiceId }, { orderBy: { attempt: 'desc' } });
    let payment: Payment | null;
    if (latest?.status === 'pending' && latest.provider === provider.name) {
      if (latest.providerPaymentId) return latest;
      payment = latest;
    } else if (latest && options.firstOnly) {
      return latest;
    } else {
      payment = await this.startAttempt(invoice, provider.name);
      if (!payment) return em.fork().findOne(PaymentSchema, { invoiceId }, { orderBy: { attempt: 'desc' } });
    }
    return this.charge(provider, invoice, payment);
  }

  /** The next attempt of an invoice, or null when another node started it first. */
  private async startAttempt(invoice: Invoice, provider: string): Promise<Payment | null> {
    const now = this.deps.clock.now();
    const attempt = invoice.paymentAttempts + 1;
    const payment: Payment = {
      id: randomUUID(), invoiceId: invoice.id, tenantId: invoice.tenantId, provider, attempt, idempotencyKey: `inv_${invoice.id}_attempt_${attempt}`,
      providerPaymentId: null, status: 'pending', amount: invoice.total, currency: invoice.currency, failureCode: null, failureMessage: null, reference: null,
      createdAt: now, updatedAt: now,
    };
    try {
      return await this.deps.orm.em.fork().transactional(async (em) => {
        const claimed = await em.nativeUpdate(InvoiceSchema, { id: invoice.id, status: 'issued', paymentAttempts: invoice.paymentAttempts }, { paymentAttempts: attempt, updatedAt: now });
        if (claimed !== 1) return null;
        await em.insert(PaymentSchema, payment);
        return payment;
      });
    } catch (err) {
      if ((err as Error).name === 'UniqueConstraintViolationException') return null;
      throw err;
    }
  }

  private async charge(provider: PaymentProvider, invoice: Invoice, payment: Payment): Promise<Payment> {
    const customer = await this.deps.orm.em.fork().findOne(BillingCustomerSchema, { id: `${invoice.tenantId}:${provider.name}` });
    if (provider.needsPaymentMethod && !customer?.paymentMethod) {
      await this.fail(payment.id, null, 'no_payment_method', 'the tenant has no saved payment method');
      return this.payment(payment.id);
    }
    const result = await provider.charge({
      invoiceId: invoice.id,
      invoiceNumber: invoice.number ?? invoice.id,
      tenantId: invoice.tenantId,
      amount: invoice.total,
      currency: invoice.currency,
      customerId: customer?.customerId ?? null,
      paymentMethod: customer?.paymentMethod ?? null,
      idempotencyKey: payment.idempotencyKey,
    });
    if (result.status === 'succeeded') await this.succeed(payment.id, result.providerPaymentId);
    else if (result.status === 'failed') await this.fail(payment.id, result.providerPaymentId, result.failureCode, result.failureMessage);
    else if (result.providerPaymentId) await this.deps.orm.em.fork().nativeUpdate(PaymentSchema, { id: payment.id, providerPaymentId: null }, { providerPaymentId: result.providerPaymentId });
    return this.payment(payment.id);
  }

  async payment(id: string): Promise<Payment> {
    return (await this.deps.orm.em.fork().findOne(PaymentSchema, { id }))!;
  }

  async paymentsOf(invoiceId: string): Promise<Payment[]> {
    return this.deps.orm.em.fork().find(PaymentSchema, { invoiceId }, { orderBy: { attempt: 'asc' } });
  }

  /**
   * Marks a payment succeeded (from pending or failed: the provider's word is final), with
   * `billing.payment_succeeded` in the same transaction, and settles its invoice.
   */
  async succeed(paymentId: string, providerPaymentId: string | null, reference?: string): Promise<boolean> {
    const payment = await this.deps.orm.em.fork().transactional(async (em) => {
      const changed = await em.nativeUpdate(
        PaymentSchema,
        { id: paymentId, status: { $ne: 'succeeded' } },
        { status: 'succeeded', failureCode: null, failureMessage: null, updatedAt: this.deps.clock.now(), ...(providerPaymentId ? { providerPaymentId } : {}), ...(reference ? { reference } : {}) },
      );
      if (changed !== 1) return null;
      const succeeded = (await em.findOne(PaymentSchema, { id: paymentId }))!;
      await this.deps.events(em, [paymentSucceeded(succeeded, await em.findOne(InvoiceSchema, { id: succeeded.invoiceId }))]);
      return succeeded;
    });
    if (!payment) return false;
    await this.settle(payment.invoiceId, payment);
    return true;
  }

  /** issued → paid, once; a payment for an invoice already paid or void is logged for a refund. */
  private async settle(invoiceId: string, payment: Payment | null): Promise<void> {
    const em = this.deps.orm.em.fork();
    const now = this.deps.clock.now();
    const changed = await em.nativeUpdate(InvoiceSchema, { id: invoiceId, status: 'issued' }, { status: 'paid', paidAt: now, nextAttemptAt: null, updatedAt: now });
    const invoice = (await em.findOne(InvoiceSchema, { id: invoiceId }))!;
    if (changed === 1) {
      await this.deps.hooks.onInvoicePaid(invoice);
    } else if (payment) {
      this.deps.log.warn({ invoiceId, paymentId: payment.id, status: invoice.status }, 'payment succeeded for an invoice that is no longer open; refund it');
    }
  }

  /**
   * Marks a pending payment failed (never a succeeded one) and moves the invoice along its dunning
   * schedule, with `billing.payment_failed`, in one transaction.
   */
  async fail(paymentId: string, providerPaymentId: string | null, code: string, message: string): Promise<boolean> {
    const outcome = await this.deps.orm.em.fork().transactional(async (em) => {
      const changed = await em.nativeUpdate(
        PaymentSchema,
        { id: paymentId, status: 'pending' },
        { status: 'failed', failureCode: code.slice(0, 80), failureMessage: message.slice(0, 500), updatedAt: this.deps.clock.now(), ...(providerPaymentId ? { providerPaymentId } : {}) },
      );
      if (changed !== 1) return null;
      const payment = (await em.findOne(PaymentSchema, { id: paymentId }))!;
      const invoice = await em.findOne(InvoiceSchema, { id: payment.invoiceId });
      // Only the newest attempt of an open invoice moves the schedule: a late failure of an old attempt is history.
      const moves = invoice?.status === 'issued' && payment.attempt === invoice.paymentAttempts;
      if (moves) {
        const failed = await em.count(PaymentSchema, { invoiceId: invoice.id, status: 'failed' });
        invoice.firstFailedAt ??= this.deps.clock.now();
        invoice.nextAttemptAt = nextRetryAt(invoice.firstFailedAt, failed);
        await em.flush();
      }
      const next = moves ? invoice.nextAttemptAt : null;
      await this.deps.events(em, [paymentFailed(payment, invoice, next, moves && !next)]);
      return { payment, invoice: moves ? invoice : null };
    });
    if (!outcome) return false;
    const { payment, invoice } = outcome;
    if (!invoice) return true;
    await this.deps.hooks.onPaymentFailed(invoice, payment);
    if (!invoice.nextAttemptAt) await this.deps.hooks.onDunningExhausted(invoice);
    return true;
  }

  /**
   * Runs the retries that are due. Each is claimed with a conditional update that moves its due time
   * to the end of a lease rather than clearing it: if this node stops before the retry is recorded,
   * the invoice is due again when the lease ends, and the retry replays the same attempt's key.
   */
  async runDunning(): Promise<number> {
    const now = this.deps.clock.now();
    const em = this.deps.orm.em.fork();
    const due = await em.find(InvoiceSchema, { status: 'issued', nextAttemptAt: { $lte: now } });
    let attempted = 0;
    for (const invoice of due) {
      const lease = new Date(now.getTime() + DUNNING_LEASE_MS);
      const claimed = await em.fork().nativeUpdate(InvoiceSchema, { id: invoice.id, status: 'issued', nextAttemptAt: invoice.nextAttemptAt }, { nextAttemptAt: lease });
      if (claimed !== 1) continue;
      try {
        const payment = await this.collect(invoice.id);
        attempted++;
        // Waiting on the provider (its webhook decides): nothing to retry meanwhile.
        if (payment?.status === 'pending' && payment.providerPaymentId) await em.fork().nativeUpdate(InvoiceSchema, { id: invoice.id, nextAttemptAt: lease }, { nextAttemptAt: null });
      } catch (err) {
        this.deps.log.error({ err, invoiceId: invoice.id }, 'dunning retry failed to run');
        await em.fork().nativeUpdate(InvoiceSchema, { id: invoice.id, nextAttemptAt: lease }, { nextAttemptAt: invoice.nextAttemptAt });
      }
    }
    return attempted;
  }

  /** A platform admin confirms a bank transfer they can see on the account. */
  async confirmTransfer(invoiceId: string, reference: string): Promise<Invoice> {
    if (!reference.trim()) throw BillingErrors.PAYMENT_REFERENCE_REQUIRED();
    const em = this.deps.orm.em.fork();
    const invoice = await em.findOne(InvoiceSchema, { id: invoiceId });
    if (!invoice) throw BillingErrors.INVOICE_NOT_FOUND(invoiceId);
    if (invoice.status !== 'issued') throw BillingErrors.INVOICE_STATUS_INVALID(invoice.number ?? invoice.id, invoice.status, 'confirm a payment for');
    const payment =
      (await em.findOne(PaymentSchema, { invoiceId, provider: 'bank_transfer', status: 'pending' })) ??
      (await this.startAttempt(invoice, 'bank_transfer')) ??
      (await em.fork().findOne(PaymentSchema, { invoiceId, provider: 'bank_transfer', status: 'pending' }));
    if (!payment) throw BillingErrors.INVOICE_STATUS_INVALID(invoice.number ?? invoice.id, 'being collected', 'confirm a payment for');
    await this.succeed(payment.id, null, reference.trim());
    return (await em.fork().findOne(InvoiceSchema, { id: invoiceId }))!;
  }

  /**
   * Applies a verified webhook once. The event id is recorded first (a unique key), so a second
   * delivery is recognised; if applying fails the record is removed so the provider's retry applies it.
   */
  async handleWebhook(providerName: ProviderName, rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<{ outcome: WebhookOutcome; eventId: string }> {
    // A provider this platform is not set up for has no webhook endpoint here: a 404 to the caller, not an outage.
    const notConfigured = (why: string) => BillingErrors.WEBHOOK_NOT_CONFIGURED(providerName, why);
    let provider: ReturnType<typeof this.deps.providers>;
    try {
      provider = this.deps.providers(providerName);
    } catch (err) {
      if (BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED.is(err)) throw notConfigured(err.message);
      throw err;
    }
    if (!provider) throw notConfigured('its keys are not set');
    let event: ReturnType<NonNullable<typeof provider>['parseWebhook']>;
    try {
      event = provider.parseWebhook(rawBody, headers);
    } catch (err) {
      if (BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED.is(err)) throw notConfigured(err.message);
      throw err;
    }
    const em = this.deps.orm.em.fork();
    const id = `${providerName}:${event.id}`.slice(0, 200);
    try {
      em.create(WebhookEventSchema, { id, provider: providerName, eventId: event.id, type: event.type.slice(0, 80), outcome: 'processing', receivedAt: this.deps.clock.now() });
      await em.flush();
    } catch (err) {
      if ((err as Error).name === 'UniqueConstraintViolationException') return { outcome: 'duplicate', eventId: event.id };
      throw err;
    }
    let outcome: WebhookOutcome;
    try {
      outcome = await this.apply(providerName, event);
    } catch (err) {
      await em.fork().nativeDelete(WebhookEventSchema, { id });
      throw err;
    }
    await em.fork().nativeUpdate(WebhookEventSchema, { id }, { outcome });
    return { outcome, eventId: event.id };
  }

  private async apply(providerName: ProviderName, event: ProviderEvent): Promise<WebhookOutcome> {
    if (event.outcome === 'ignored') return 'ignored';
    const em = this.deps.orm.em.fork();
    let payment = event.providerPaymentId ? await em.findOne(PaymentSchema, { provider: providerName, providerPaymentId: event.providerPaymentId }) : null;
    if (!payment && event.invoiceId && /^[0-9a-f-]{36}$/i.test(event.invoiceId)) {
      // Our answer from the provider was lost: the pending attempt without a provider id is this one.
      const invoice = await em.findOne(InvoiceSchema, { id: event.invoiceId });
      if (!invoice) return 'unknown_invoice';
      payment = await em.findOne(PaymentSchema, { invoiceId: invoice.id, provider: providerName, providerPaymentId: null, status: 'pending' }, { orderBy: { attempt: 'desc' } });
      if (!payment) return 'unknown_invoice';
    }
    if (!payment) return 'unknown_invoice';
    if (event.amount !== null && (event.amount !== payment.amount || (event.currency !== null && event.currency !== payment.currency))) {
      this.deps.log.warn({ paymentId: payment.id, eventId: event.id }, 'webhook amount differs from the payment; not applied');
      return 'amount_mismatch';
    }
    const changed =
      event.outcome === 'succeeded'
        ? await this.succeed(payment.id, event.providerPaymentId)
        : await this.fail(payment.id, event.providerPaymentId, event.failureCode ?? 'failed', event.failureMessage ?? 'payment failed');
    return changed ? 'applied' : 'unchanged';
  }
}
