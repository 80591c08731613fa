import type { BillingConfig as Config } from '../config.js';
import { BillingErrors } from '../errors.js';
import { BankTransferProvider } from './bank-transfer-provider.js';
import { MoyasarProvider } from './moyasar-provider.js';
import type { PaymentProvider, ProviderName } from './provider.js';
import { StripeProvider } from './stripe-provider.js';

/** The configured provider, or undefined for BILLING_PROVIDER=none; a missing key fails at start. */
export function configuredProvider(config: Config): PaymentProvider | undefined {
  return providerNamed(config, config.BILLING_PROVIDER === 'none' ? undefined : config.BILLING_PROVIDER);
}

/** A provider by name (webhooks of a provider other than the default still verify). */
export function providerNamed(config: Config, name: ProviderName | undefined): PaymentProvider | undefined {
  switch (name) {
    case 'stripe':
      if (!config.STRIPE_SECRET_KEY) throw BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED('stripe', 'set STRIPE_SECRET_KEY');
      return new StripeProvider({ secretKey: config.STRIPE_SECRET_KEY, webhookSecret: config.STRIPE_WEBHOOK_SECRET, apiUrl: config.STRIPE_API_URL });
    case 'moyasar':
      if (!config.MOYASAR_SECRET_KEY) throw BillingErrors.PAYMENT_PROVIDER_NOT_CONFIGURED('moyasar', 'set MOYASAR_SECRET_KEY');
      return new MoyasarProvider({ secretKey: config.MOYASAR_SECRET_KEY, webhookSecret: config.MOYASAR_WEBHOOK_SECRET, apiUrl: config.MOYASAR_API_URL });
    case 'bank_transfer':
      return new BankTransferProvider();
    default:
      return undefined;
  }
}
