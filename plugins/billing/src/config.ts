import { bool, int, oneOf, optionalStr, optionalUrl, str, type Config, type ConfigValues } from '@dogan/runtime';

/** The billing plugin's variables: the payment provider and its keys, the seller on invoices, currency and shares. */
export const billingConfigSchema = {
  BILLING_PROVIDER: oneOf({
    description: 'Payment provider used to charge invoices',
    default: 'none',
    values: ['none', 'stripe', 'moyasar', 'bank_transfer'] as const,
  }),
  STRIPE_SECRET_KEY: optionalStr({
    description: 'Stripe secret key, needed when BILLING_PROVIDER=stripe',
    secret: true,
    example: 'sk_test_...',
  }),
  STRIPE_WEBHOOK_SECRET: optionalStr({ description: 'Signing secret of the Stripe webhook endpoint (whsec_...)', secret: true, example: 'whsec_...' }),
  STRIPE_API_URL: optionalUrl({
    description: "Stripe API base URL; unset: Stripe's own. Tests point it at the simulator",
    protocols: ['http:', 'https:'],
    example: 'http://127.0.0.1:12111',
  }),
  MOYASAR_SECRET_KEY: optionalStr({ description: 'Moyasar secret API key (mada, Apple Pay, STC Pay)', secret: true, example: 'sk_test_...' }),
  MOYASAR_WEBHOOK_SECRET: optionalStr({ description: 'The secret token Moyasar sends with each webhook', secret: true, example: 'change-me' }),
  MOYASAR_API_URL: optionalUrl({
    description: "Moyasar API base URL; unset: Moyasar's own. Tests point it at the simulator",
    protocols: ['http:', 'https:'],
    example: 'http://127.0.0.1:12112',
  }),
  DOGAN_SELLER_NAME: str({ description: 'Seller name printed on invoices and in the ZATCA QR code', default: 'Dogan' }),
  DOGAN_SELLER_VAT_NUMBER: optionalStr({
    description: 'Seller VAT registration number (15 digits, starts and ends with 3) for invoices',
    pattern: /^3\d{13}3$/,
    example: '399999999900003',
  }),
  BILLING_CURRENCY: oneOf({ description: 'Currency of plans and invoices', default: 'SAR', values: ['SAR', 'USD'] as const }),
  MARKETPLACE_PUBLISHER_SHARE_PERCENT: int({ description: "Publishers' share of a paid module's price, in percent", default: 70, min: 0, max: 100 }),
  USAGE_TRACKING_ENABLED: bool({ description: 'Count API calls and other usage for quotas and billing', default: true }),
  BILLING_CYCLE_INTERVAL_MS: int({
    description: 'How often the billing run (trial ends, closed periods, renewals) is due, once per cluster',
    default: 60_000,
    min: 100,
    max: 86_400_000,
  }),
  BILLING_DUNNING_INTERVAL_MS: int({
    description: 'How often failed payments due for a retry are charged again, once per cluster',
    default: 60_000,
    min: 100,
    max: 86_400_000,
  }),
};

export type BillingConfig = Config & ConfigValues<typeof billingConfigSchema>;

/** Rules across variables: a provider needs its key. */
export function checkBillingConfig(values: ConfigValues<typeof billingConfigSchema>, problems: string[]): void {
  if (values.BILLING_PROVIDER === 'stripe' && !values.STRIPE_SECRET_KEY) problems.push('STRIPE_SECRET_KEY must be set when BILLING_PROVIDER=stripe');
}
