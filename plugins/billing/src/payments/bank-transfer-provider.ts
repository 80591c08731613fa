import { BillingErrors } from '../errors.js';
import type { ChargeResult, PaymentProvider, ProviderEvent } from './provider.js';

/** Bank transfer: nothing to call; a payment stays pending until a platform admin confirms it with a reference. */
export class BankTransferProvider implements PaymentProvider {
  readonly name = 'bank_transfer' as const;
  readonly needsPaymentMethod = false;

  async savePaymentMethod(input: { customerId: string | null; paymentMethod: string }) {
    return { customerId: input.customerId, paymentMethod: input.paymentMethod };
  }

  async charge(): Promise<ChargeResult> {
    return { status: 'pending', providerPaymentId: null };
  }

  parseWebhook(): ProviderEvent {
    throw BillingErrors.WEBHOOK_PAYLOAD_INVALID('bank transfer', 'bank transfers have no webhook; a platform admin confirms them');
  }
}
