import t from 'tap';
import { addMonths } from '../../plugins/billing/src/index.js';
import marketplacePlugin from '../../plugins/marketplace/src/index.js';
import { createModulesPlugin } from '../../plugins/modules/src/index.js';
import { createTenant, startBillingKernel } from '../billing/helpers/billing-kernel.js';
import { forEachEngine } from '../helpers/engines.js';
import { manifest, publisherOf } from './helpers.js';

const START = new Date('2026-03-01T00:00:00Z');

const crm = {
  manifest: manifest({ id: 'acme.crm', version: '1.0.0', permissions: [], pricing: { model: 'subscription', interval: 'month', amount: 5_000, currency: 'SAR' }, routes: [{ method: 'GET', path: '/ping', handler: 'ping' }] }),
  code: `export default { routes: { ping: async () => ({ status: 200, body: { ok: true } }) } };`,
};

const sms = {
  manifest: manifest({
    id: 'acme.sms',
    version: '1.0.0',
    permissions: [],
    pricing: { model: 'per_use', unit: 'message', amount: 25, currency: 'SAR' },
    routes: [
      { method: 'POST', path: '/send', handler: 'send' },
      { method: 'POST', path: '/broken', handler: 'broken' },
    ],
  }),
  code: `export default { routes: {
  send: async () => ({ status: 202, body: { queued: true } }),
  broken: async () => ({ status: 500, body: { error: 'gateway down' } }),
} };`,
};

interface Line {
  kind: string;
  description: { en: string };
  quantity: number;
  unitAmount: number | null;
  amount: number;
}

void forEachEngine(t, 'module charges: uninstall stops a monthly charge, per-use calls are billed, plans are priced in real SAR', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { start: START, plugins: [createModulesPlugin({ sandbox: { hosts: 1 } }), marketplacePlugin] });
  const { app, clock } = bk;
  const publish = publisherOf(bk.kernel);
  for (const release of [crm, sms]) await publish(release.manifest, release.code);
  const a = await createTenant(bk, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenant(bk, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  type Who = typeof a;
  const req = (who: Who, method: string, path: string, payload?: object) =>
    app.inject({ method: method as 'GET', url: `/api/v1/${who.subdomain}${path}`, headers: who.headers, ...(payload ? { payload } : {}) });
  const latestInvoiceLines = async (who: Who): Promise<Line[]> => (await req(who, 'GET', '/billing/invoices')).json().invoices[0].lines;
  const moduleLines = async (who: Who) =>
    (await latestInvoiceLines(who)).filter((l) => l.kind === 'module').map((l) => ({ text: l.description.en, quantity: l.quantity, unitAmount: l.unitAmount, amount: l.amount }));
  const closePeriod = async (months: number) => {
    clock.set(addMonths(START, months).getTime() + 1000);
    await bk.billing.runCycle();
  };

  for (const who of [a, b]) {
    t.equal((await req(who, 'PUT', '/billing/payment-method', { paymentMethod: 'pm_card_visa' })).statusCode, 200);
    const started = await req(who, 'POST', '/billing/subscription', { plan: 'starter', cycle: 'monthly' });
    t.equal(started.statusCode, 200, started.body);
    for (const id of ['acme.crm', 'acme.sms']) {
      t.equal((await req(who, 'POST', `/modules/${id}/purchase`)).statusCode, 200);
      t.equal((await req(who, 'POST', `/modules/${id}/install`, { grants: [] })).statusCode, 201);
    }
  }

  await t.test('plans are priced in SAR at the peg, in halalas', async (t) => {
    const plans = (await req(a, 'GET', '/billing/plans')).json().plans as Array<{ id: string; prices: Record<string, { monthly: number; yearly: number }> }>;
    const starter = plans.find((p) => p.id === 'starter')!;
    t.same(starter.prices.USD, { monthly: 9_900, yearly: 99_000 }, 'the seed: $99');
    t.same(starter.prices.SAR, { monthly: 37_500, yearly: 375_000 }, '$99 × 3.75 = 371.25 → 375.00 SAR');
    t.same(plans.map((p) => p.prices.SAR!.monthly), [37_500, 112_500, 375_000]);
    const first = (await req(a, 'GET', '/billing/invoices')).json().invoices[0];
    t.match(first, { currency: 'SAR', subtotal: 37_500 }, 'the first month is billed at the SAR price');
  });

  await t.test('per-use calls are counted; calls the module fails or that miss a route are not', async (t) => {
    for (let i = 0; i < 3; i++) t.equal((await req(a, 'POST', '/apps/acme.sms/send', {})).statusCode, 202);
    t.equal((await req(a, 'POST', '/apps/acme.sms/broken', {})).statusCode, 500);
    t.equal((await req(a, 'POST', '/apps/acme.sms/nowhere', {})).statusCode, 404);
    for (let i = 0; i < 2; i++) t.equal((await req(b, 'POST', '/apps/acme.sms/send', {})).statusCode, 202);
  });

  await t.test('A uninstalls the monthly module mid-period: charged for that period, not after', async (t) => {
    clock.set(START.getTime() + 10 * 86_400_000);
    t.equal((await req(a, 'DELETE', '/modules/acme.crm')).statusCode, 204);
    await closePeriod(1);
    t.same(await moduleLines(a), [
      { text: 'Module acme.crm 1.0.0', quantity: 1, unitAmount: 5_000, amount: 5_000 },
      { text: 'Module acme.sms: 3 uses', quantity: 3, unitAmount: 25, amount: 75 },
    ]);
    t.same(await moduleLines(b), [
      { text: 'Module acme.crm 1.0.0', quantity: 1, unitAmount: 5_000, amount: 5_000 },
      { text: 'Module acme.sms: 2 uses', quantity: 2, unitAmount: 25, amount: 50 },
    ], "B's own uses, not A's");
    t.equal((await latestInvoiceLines(a)).find((l) => l.kind === 'plan')!.amount, 37_500, 'the renewal at the SAR price');

    await closePeriod(2);
    t.same(await moduleLines(a), [], 'no charge for the months after the uninstall, and no uses');
    t.same((await moduleLines(b)).map((l) => l.text), ['Module acme.crm 1.0.0'], 'B still pays for what it keeps');
  });

  await t.test('reinstalling a monthly module subscribes again, billed once per period however often', async (t) => {
    const refused = await req(a, 'POST', '/modules/acme.crm/install', { grants: [] });
    t.equal(refused.statusCode, 402, 'the subscription ended with the uninstall');
    t.equal(refused.json().code, 'MODULE_NOT_PURCHASED');
    for (let round = 0; round < 2; round++) {
      t.match((await req(a, 'POST', '/modules/acme.crm/purchase')).json(), { charged: true });
      t.equal((await req(a, 'POST', '/modules/acme.crm/install', { grants: [] })).statusCode, 201);
      if (round === 0) t.equal((await req(a, 'DELETE', '/modules/acme.crm')).statusCode, 204);
    }
    await closePeriod(3);
    t.same((await moduleLines(a)).map((l) => [l.text, l.amount]), [['Module acme.crm 1.0.0', 5_000]]);
  });
});
