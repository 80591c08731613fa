import { createRequire } from 'node:module';
import type Stripe from 'stripe';
import { BillingErrors } from '../errors.js';
import type { ChargeRequest, ChargeResult, PaymentProvider, ProviderEvent } from './provider.js';

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string | undefined;
  /** STRIPE_API_URL: the simulator in tests; unset for Stripe itself. */
  apiUrl: string | undefined;
}

function clientOptions(apiUrl: string | undefined): Stripe.StripeConfig {
  const base: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false };
  if (!apiUrl) return base;
  const url = new URL(apiUrl);
  return { ...base, host: url.hostname, port: url.port || (url.protocol === 'https:' ? 443 : 80), protocol: url.protocol === 'https:' ? 'https' : 'http' };
}

/**
 * Stripe through its own SDK: a customer per tenant, a saved payment method, a PaymentIntent per
 * invoice attempt (confirmed off-session, with the attempt's idempotency key), webhooks verified on
 * the raw body with the endpoint secret.
 */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly needsPaymentMethod = true;
  private readonly stripe: Stripe;
  /** The SDK's class, for its error classes. */
  private readonly sdk: typeof Stripe;

  constructor(private readonly options: StripeOptions) {
    // Loaded here, not at import: a platform that does not bill through Stripe never loads its SDK.
    this.sdk = createRequire(import.meta.url)('stripe') as typeof Stripe;
    this.stripe = new this.sdk(options.secretKey, clientOptions(options.apiUrl));
  }

  async savePaymentMethod(input: { tenantId: string; tenantName: string; customerId: string | null; paymentMethod: string }) {
    try {
      const customerId =
        input.customerId ??
        (await this.stripe.customers.create({ name: input.tenantName, metadata: { tenant_id: input.tenantId } }, { idempotencyKey: `customer-${input.tenantId}` })).id;
      await this.stripe.paymentMethods.attach(input.paymentMethod, { customer: customerId });
      await this.stripe.customers.update(customerId, { invoice_settings: { default_payment_method: input.paymentMethod } });
      return { customerId, paymentMethod: input.paymentMethod };
    } catch (err) {
      if (err instanceof this.sdk.errors.StripeInvalidRequestError || err instanceof this.sdk.errors.StripeCardError) throw BillingErrors.PAYMENT_METHOD_INVALID(err.message);
      throw BillingErrors.PAYMENT_PROVIDER_ERROR((err as Error).message);
    }
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: request.amount,
          currency: request.currency.toLowerCase(),
          customer: request.customerId ?? undefined,
          payment_method: request.paymentMethod ?? undefined,
          confirm: true,
          off_session: true,
          description: `Dogan invoice ${request.invoiceNumber}`,
          metadata: { invoice_id: request.invoiceId, invoice_number: request.invoiceNumber, tenant_id: request.tenantId },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      if (intent.status === 'succeeded') return { status: 'succeeded', providerPaymentId: intent.id };
      if (intent.status === 'requires_payment_method' || intent.status === 'canceled') {
        return { status: 'failed', providerPaymentId: intent.id, failureCode: intent.last_payment_error?.code ?? intent.status, failureMessage: intent.last_payment_error?.message ?? 'payment not completed' };
      }
      return { status: 'pending', providerPaymentId: intent.id };
    } catch (err) {
      if (err instanceof this.sdk.errors.StripeCardError) {
        const intent = (err.raw as { payment_intent?: { id?: string } }).payment_intent;
        return { status: 'failed', providerPaymentId: intent?.id ?? null, failureCode: err.decline_code ?? err.code ?? 'card_declined', failureMessage: err.message };
      }
      if (err instanceof this.sdk.errors.StripeInvalidRequestError) {
        return { status: 'failed', providerPaymentId: null, failureCode: err.code ?? 'invalid_request', failureMessage: err.message };
      }
      // Connection or server error: the charge may or may not exist. Pending, retried with the same key.
      return { status: 'pending', providerPaymentId: null };
    }
  }

  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderEvent {
    if (!this.options.webhookSecret) throw BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED('stripe', 'STRIPE_WEBHOOK_SECRET is not set');
    const signature = headers['stripe-signature'];
    if (typeof signature !== 'string') throw BillingErrors.WEBHOOK_SIGNATURE_INVALID('Stripe', 'the Stripe-Signature header is missing');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.options.webhookSecret);
    } catch (err) {
      throw BillingErrors.WEBHOOK_SIGNATURE_INVALID('Stripe', (err as Error).message);
    }
    const object = (event.data?.object ?? {}) as Partial<Stripe.PaymentIntent>;
    const outcome = event.type === 'payment_intent.succeeded' ? 'succeeded' : event.type === 'payment_intent.payment_failed' ? 'failed' : 'ignored';
    return {
      id: event.id,
      type: event.type,
      outcome,
      providerPaymentId: typeof object.id === 'string' ? object.id : null,
      invoiceId: object.metadata?.invoice_id ?? null,
      amount: typeof object.amount === 'number' ? object.amount : null,
      currency: typeof object.currency === 'string' ? object.currency.toUpperCase() : null,
      failureCode: object.last_payment_error?.decline_code ?? object.last_payment_error?.code ?? undefined,
      failureMessage: object.last_payment_error?.message ?? undefined,
    };
  }
}
