import { buildKernel, type Kernel, type PluginDefinition } from '@dogan/runtime';
import ksaPlugin from '@dogan/plugin-ksa';
import tenantsPlugin, { tenantsApiRef, type TenantsApi } from '@dogan/tenants';
import type { Test } from 'tap';
import { billingServiceRef, createBillingPlugin, ManualClock, type BillingService } from '../../../plugins/billing/src/index.js';
import type { TestEngine } from '../../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../../helpers/kernel.js';
import { MoyasarSimulator } from '../../simulators/moyasar-simulator.js';
import { StripeSimulator } from '../../simulators/stripe-simulator.js';
import { agentsTestPlugin } from './agents-plugin.js';

export const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } as const;
export const SELLER_VAT = '399999999900003';

export interface BillingKernel {
  kernel: Kernel;
  app: Kernel['app'];
  clock: ManualClock;
  billing: BillingService;
  api: TenantsApi;
  stripe: StripeSimulator;
  moyasar: MoyasarSimulator;
}

/**
 * A kernel with tenants, KSA, billing (on a hand-moved clock, no timers) and the agents stand-in,
 * with Stripe and Moyasar simulators listening; `provider` picks BILLING_PROVIDER.
 */
export async function startBillingKernel(
  t: Test,
  engine: TestEngine,
  options: { provider?: 'none' | 'stripe' | 'moyasar' | 'bank_transfer'; env?: Record<string, string>; plugins?: PluginDefinition[]; start?: Date } = {},
): Promise<BillingKernel> {
  const stripe = new StripeSimulator();
  const moyasar = new MoyasarSimulator();
  await stripe.start();
  await moyasar.start();
  t.teardown(() => stripe.close());
  t.teardown(() => moyasar.close());
  const clock = new ManualClock(options.start ?? Date.now());
  const config = engine.config({
    BILLING_PROVIDER: options.provider ?? 'stripe',
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
    STRIPE_API_URL: stripe.url,
    MOYASAR_SECRET_KEY: moyasar.secretKey,
    MOYASAR_WEBHOOK_SECRET: moyasar.webhookSecret,
    MOYASAR_API_URL: moyasar.url,
    DOGAN_SELLER_NAME: 'شركة الاختبار',
    DOGAN_SELLER_VAT_NUMBER: SELLER_VAT,
    TENANT_ORM_CACHE_SIZE: '4',
    ...options.env,
  });
  const billingPlugin = createBillingPlugin({ clock, flushIntervalMs: 3_600_000, cycleIntervalMs: 0 });
  const kernel = await buildKernel({ config, plugins: [tenantsPlugin, ksaPlugin, billingPlugin, agentsTestPlugin, ...(options.plugins ?? [])] });
  t.teardown(() => kernel.close());
  return { kernel, app: kernel.app, clock, stripe, moyasar, billing: kernel.host.service(billingServiceRef), api: kernel.host.service(tenantsApiRef) };
}

export async function createTenant(bk: BillingKernel, body: Record<string, unknown>): Promise<{ id: string; subdomain: string; headers: Record<string, string> }> {
  const res = await bk.app.inject({ method: 'POST', url: '/api/admin/tenants', headers: ADMIN, payload: body });
  if (res.statusCode !== 201) throw new Error(`tenant not created: ${res.statusCode} ${res.body}`);
  const tenant = res.json() as { id: string; subdomain: string };
  const key = await bk.app.inject({ method: 'POST', url: `/api/admin/tenants/${tenant.id}/api-keys`, headers: ADMIN, payload: { name: 'owner', scopes: ['read', 'write', 'admin'] } });
  if (key.statusCode !== 201) throw new Error(`key not created: ${key.statusCode} ${key.body}`);
  return { ...tenant, headers: { authorization: `Bearer ${(key.json() as { key: string }).key}` } };
}

/** Half-up division on BigInt, written independently of the plugin's money module. */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (2n * denominator);
}
