/**
 * @dogan/plugin-billing: plans and quotas, subscriptions with trials and proration, usage metering,
 * VAT invoices with ZATCA QR codes, payments (Stripe, Moyasar, bank transfer) and dunning.
 */
import { createBillingPlugin } from './plugin.js';

export { createBillingPlugin, type BillingPluginOptions } from './plugin.js';
export { billingServiceRef, type BillingService, type BillingTenant, type UsageReport } from './billing-service.js';
export { BillingErrors, type BillingErrorCode } from './errors.js';
export {
  BILLING_EVENT_TYPES,
  type BillingEventType,
  type InvoiceIssuedPayload,
  type PaymentFailedPayload,
  type PaymentSucceededPayload,
  type SubscriptionChange,
  type SubscriptionChangedPayload,
  type TrialEndingPayload,
} from './events.js';
export { ManualClock, systemClock, addMonths, type Clock } from './clock.js';
export * as money from './money.js';
export { encodeZatcaQr, decodeZatcaQr, zatcaTimestamp, type ZatcaQrFields } from './invoices/zatca-qr.js';
export { prorateUpgrade, secondsBetween } from './subscriptions/proration.js';
export { DUNNING_RETRY_DAYS } from './payments/dunning.js';
export { SEED_PLANS, DEFAULT_FEATURES } from './plans/seed.js';
export type { ModulePricing, ModulePurchaseInput } from './marketplace/module-billing.js';
export type { UsageEventInput, Aggregation } from './usage/usage-service.js';
export type { InvoiceJson } from './invoices/invoice-json.js';

export default createBillingPlugin();
