import { defineErrors } from '@dogan/runtime';

/** The billing plugin's error table; codes are stable for clients and tests. */
export const BillingErrors = defineErrors({
  QUOTA_EXCEEDED: { status: 429, title: 'Quota exceeded', message: 'Tenant "%s" has used its %s %s of this period; the quota resets at %s' },
  PLAN_LIMIT_REACHED: { status: 403, title: 'Plan limit reached', message: 'The %s plan allows %s %s; upgrade the plan to add more' },
  PLAN_UNKNOWN: { status: 400, title: 'Unknown plan', message: 'Plan "%s" does not exist; use one of %s' },
  PLAN_INVALID: { status: 400, title: 'Invalid plan', message: 'The plan is invalid: %s' },
  FEATURE_UNKNOWN: { status: 400, title: 'Unknown feature', message: 'Feature "%s" does not exist; use one of %s' },
  CURRENCY_UNSUPPORTED: { status: 400, title: 'Unsupported currency', message: 'Plan "%s" has no price in %s' },
  SUBSCRIPTION_NOT_FOUND: { status: 404, title: 'No subscription', message: 'Tenant "%s" has no subscription' },
  SUBSCRIPTION_UNCHANGED: { status: 409, title: 'Subscription unchanged', message: 'The tenant is already on the %s plan, billed %s' },
  SUBSCRIPTION_NOT_ACTIVE: { status: 409, title: 'Subscription not active', message: 'The subscription is %s; %s' },
  SUBSCRIPTION_BUSY: { status: 409, title: 'Subscription change in progress', message: 'Another change to this subscription is being made; retry in a moment' },
  SUBSCRIPTION_NOT_CANCELLING: { status: 409, title: 'Subscription not cancelling', message: 'The subscription is not set to cancel, so there is nothing to resume' },
  SUBSCRIPTION_PAYMENT_METHOD_REQUIRED: { status: 402, title: 'Payment method required', message: 'Add a payment method before starting a paid plan (PUT /api/v1/{tenant}/billing/payment-method)' },
  INVOICE_NOT_FOUND: { status: 404, title: 'Invoice not found', message: 'This tenant has no invoice "%s"' },
  INVOICE_NOT_DRAFT: { status: 409, title: 'Invoice already issued', message: 'Invoice %s is %s and can no longer be changed; issue a credit note to correct it' },
  INVOICE_STATUS_INVALID: { status: 409, title: 'Invoice status change refused', message: 'Invoice %s is %s; cannot %s it' },
  INVOICE_EMPTY: { status: 409, title: 'Empty invoice', message: 'An invoice needs at least one line' },
  INVOICE_SELLER_VAT_MISSING: { status: 503, title: 'Invoicing not configured', message: 'Set DOGAN_SELLER_VAT_NUMBER to issue VAT invoices' },
  WEBHOOK_NOT_CONFIGURED: { status: 404, title: 'Webhook endpoint not configured', message: 'This platform takes no webhooks from "%s": %s' },
  PAYMENT_PROVIDER_NOT_CONFIGURED: { status: 503, title: 'Payments not configured', message: 'Payment provider "%s" is not configured: %s' },
  PAYMENT_METHOD_INVALID: { status: 400, title: 'Invalid payment method', message: 'The payment method was refused: %s' },
  PAYMENT_FAILED: { status: 402, title: 'Payment failed', message: 'The payment of invoice %s failed: %s' },
  PAYMENT_PROVIDER_ERROR: { status: 502, title: 'Payment provider error', message: 'The payment provider answered with an error: %s' },
  PAYMENT_REFERENCE_REQUIRED: { status: 400, title: 'Transfer reference required', message: 'Confirming a bank transfer needs the bank reference' },
  WEBHOOK_SIGNATURE_INVALID: { status: 400, title: 'Invalid webhook signature', message: 'The %s webhook could not be verified: %s' },
  WEBHOOK_PAYLOAD_INVALID: { status: 400, title: 'Invalid webhook payload', message: 'The %s webhook body is not a valid event: %s' },
  USAGE_EVENT_INVALID: { status: 400, title: 'Invalid usage event', message: 'The usage event is invalid: %s' },
  MODULE_PRICING_INVALID: { status: 400, title: 'Invalid module pricing', message: 'The module pricing is invalid: %s' },
});

export type BillingErrorCode = keyof typeof BillingErrors;
