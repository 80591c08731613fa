import { BillingPlanSchema, TaxRateSchema, TenantFeatureOverrideSchema } from './plans.js';
import { BillingCustomerSchema, BillingNoticeSchema, SubscriptionSchema } from './subscriptions.js';
import { InvoiceLineSchema, InvoiceSchema, InvoiceSequenceSchema, PendingChargeSchema } from './invoices.js';
import { PaymentSchema, WebhookEventSchema } from './payments.js';
import { BillingOperationSchema } from './operations.js';
import { ModulePurchaseSchema, PublisherPayoutSchema, UsageAllowanceSchema, UsageCounterSchema, UsageEventSchema } from './usage.js';

export * from './plans.js';
export * from './subscriptions.js';
export * from './invoices.js';
export * from './payments.js';
export * from './operations.js';
export * from './usage.js';

export const billingEntities = [
  BillingPlanSchema,
  TenantFeatureOverrideSchema,
  TaxRateSchema,
  SubscriptionSchema,
  BillingCustomerSchema,
  BillingNoticeSchema,
  InvoiceSchema,
  InvoiceLineSchema,
  InvoiceSequenceSchema,
  PendingChargeSchema,
  PaymentSchema,
  WebhookEventSchema,
  BillingOperationSchema,
  UsageCounterSchema,
  UsageAllowanceSchema,
  UsageEventSchema,
  ModulePurchaseSchema,
  PublisherPayoutSchema,
];
