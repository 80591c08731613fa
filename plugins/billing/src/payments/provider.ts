/** One interface for every way Dogan collects money; the rest of billing never names a provider. */
export type ProviderName = 'stripe' | 'moyasar' | 'bank_transfer';

export interface ChargeRequest {
  invoiceId: string;
  invoiceNumber: string;
  tenantId: string;
  amount: number;
  currency: string;
  customerId: string | null;
  paymentMethod: string | null;
  /** One per attempt: a retried request (timeout, crash) cannot charge twice. */
  idempotencyKey: string;
}

/**
 * What the provider answered. `succeeded` only when the provider itself says the money moved;
 * `pending` when the outcome will come later (a webhook, a bank transfer, a lost response).
 */
export type ChargeResult =
  | { status: 'succeeded'; providerPaymentId: string }
  | { status: 'failed'; providerPaymentId: string | null; failureCode: string; failureMessage: string }
  | { status: 'pending'; providerPaymentId: string | null };

/** A verified webhook, reduced to what billing acts on. */
export interface ProviderEvent {
  id: string;
  type: string;
  outcome: 'succeeded' | 'failed' | 'ignored';
  providerPaymentId: string | null;
  invoiceId: string | null;
  amount: number | null;
  currency: string | null;
  failureCode?: string;
  failureMessage?: string;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  /** True when a saved payment method is needed to charge (cards); false for bank transfer. */
  readonly needsPaymentMethod: boolean;
  /** Registers the tenant as a customer (once) and saves the method as its default. */
  savePaymentMethod(input: { tenantId: string; tenantName: string; customerId: string | null; paymentMethod: string }): Promise<{ customerId: string | null; paymentMethod: string }>;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Verifies and parses a webhook from its raw body; throws WEBHOOK_SIGNATURE_INVALID. */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderEvent;
}
