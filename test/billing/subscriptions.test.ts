import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, createTenant, roundHalfUp, startBillingKernel } from './helpers/billing-kernel.js';

const DAY = 86_400_000;

void forEachEngine(t, 'trial → paid → mid-period upgrade prorated to the second → downgrade at period end → cancel', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { start: new Date('2026-01-15T09:00:00Z') });
  const { app, clock } = bk;
  const acme = await createTenant(bk, { name: 'Acme', subdomain: 'acme' });
  // A second tenant that must see nothing of Acme's billing.
  const bystander = await createTenant(bk, { name: 'Bystander', subdomain: 'bystander' });
  const url = (path: string) => `/api/v1/acme${path}`;

  const trial = (await app.inject({ url: url('/billing/subscription'), headers: acme.headers })).json();
  t.match(trial, { plan: 'starter', status: 'trialing', cycle: 'monthly', currency: 'SAR' }, 'a new tenant is on a trial, no card needed');

  const noCard = await app.inject({ method: 'POST', url: url('/billing/subscription'), headers: acme.headers, payload: { plan: 'starter' } });
  t.equal(noCard.statusCode, 402);
  t.equal(noCard.json().code, 'SUBSCRIPTION_PAYMENT_METHOD_REQUIRED');

  const card = await app.inject({ method: 'PUT', url: url('/billing/payment-method'), headers: acme.headers, payload: { paymentMethod: 'pm_card_visa' } });
  t.equal(card.statusCode, 200, card.body);
  const badCard = await app.inject({ method: 'PUT', url: url('/billing/payment-method'), headers: acme.headers, payload: { paymentMethod: 'pm_unknown' } });
  t.equal(badCard.json().code, 'PAYMENT_METHOD_INVALID', 'a card the provider does not know is a 400, not a 500');

  const started = await app.inject({ method: 'POST', url: url('/billing/subscription'), headers: acme.headers, payload: { plan: 'starter', cycle: 'monthly' } });
  t.equal(started.statusCode, 200, started.body);
  const first = started.json();
  t.equal(first.effect, 'started');
  t.match(first.invoice, { number: 'INV-2026-000001', status: 'paid', subtotal: 37_500, vat: 5_625, total: 43_125 }, 'the first month: 375.00 SAR + 15% VAT');
  t.equal((await app.inject({ url: url('/info'), headers: acme.headers })).json().status, 'active', 'paying activates the tenant');
  const periodStart = Date.parse(first.subscription.currentPeriodStart);
  const periodEnd = Date.parse(first.subscription.currentPeriodEnd);
  t.equal(new Date(periodEnd).toISOString(), '2026-02-15T09:00:00.000Z');

  // Ten days, three hours, twenty-five minutes and forty-five seconds into the period.
  clock.advance(10 * DAY + 3 * 3_600_000 + 25 * 60_000 + 45_000);
  const upgrade = await app.inject({ method: 'POST', url: url('/billing/subscription'), headers: acme.headers, payload: { plan: 'professional' } });
  t.equal(upgrade.statusCode, 200, upgrade.body);
  const remaining = BigInt((periodEnd - clock.now().getTime()) / 1000);
  const total = BigInt((periodEnd - periodStart) / 1000);
  const prorated = roundHalfUp((112_500n - 37_500n) * remaining, total);
  const vat = roundHalfUp(prorated * 15n, 100n);
  const inv = upgrade.json().invoice;
  t.equal(upgrade.json().effect, 'immediate');
  t.equal(inv.lines.length, 1);
  t.equal(inv.lines[0].kind, 'proration');
  t.equal(BigInt(inv.lines[0].amount), prorated, `(1,125 − 375) × ${remaining}/${total} s = ${prorated} halalas`);
  t.equal(BigInt(inv.vat), vat);
  t.equal(BigInt(inv.total), prorated + vat);
  t.equal(inv.number, 'INV-2026-000002');
  t.equal(upgrade.json().subscription.plan, 'professional');
  t.equal(upgrade.json().subscription.currentPeriodEnd, new Date(periodEnd).toISOString(), 'an upgrade keeps the period');

  const same = await app.inject({ method: 'POST', url: url('/billing/subscription'), headers: acme.headers, payload: { plan: 'professional' } });
  t.equal(same.json().code, 'SUBSCRIPTION_UNCHANGED');
  const unknown = await app.inject({ method: 'POST', url: url('/billing/subscription'), headers: acme.headers, payload: { plan: 'platinum' } });
  t.equal(unknown.statusCode, 400);
  t.equal(unknown.json().code, 'PLAN_UNKNOWN');

  const down = await app.inject({ method: 'POST', url: url('/billing/subscription'), headers: acme.headers, payload: { plan: 'starter' } });
  t.equal(down.json().effect, 'scheduled');
  t.equal(down.json().invoice, null, 'a downgrade charges nothing now');
  t.match(down.json().subscription, { plan: 'professional', pendingChange: { plan: 'starter', at: new Date(periodEnd).toISOString() } });

  clock.set(periodEnd + 1000);
  await bk.billing.runCycle();
  const renewed = (await app.inject({ url: url('/billing/subscription'), headers: acme.headers })).json();
  t.match(renewed, { plan: 'starter', status: 'active', pendingChange: null, currentPeriodStart: new Date(periodEnd).toISOString() }, 'the downgrade applies at the period end');
  const invoices = (await app.inject({ url: url('/billing/invoices'), headers: acme.headers })).json().invoices;
  t.equal(invoices.length, 3);
  t.match(invoices[0], { number: 'INV-2026-000003', subtotal: 37_500, total: 43_125, status: 'paid' }, 'renewal billed at the new, lower price');
  t.equal((await app.inject({ url: url('/info'), headers: acme.headers })).json().plan, 'starter', 'the tenant record follows');
  await bk.billing.runCycle();
  t.equal((await app.inject({ url: url('/billing/invoices'), headers: acme.headers })).json().invoices.length, 3, 'running again bills nothing twice');

  t.equal((await app.inject({ method: 'POST', url: url('/billing/subscription/resume'), headers: acme.headers })).json().code, 'SUBSCRIPTION_NOT_CANCELLING');
  t.equal((await app.inject({ method: 'POST', url: url('/billing/subscription/cancel'), headers: acme.headers })).json().cancelAtPeriodEnd, true);
  t.equal((await app.inject({ method: 'POST', url: url('/billing/subscription/resume'), headers: acme.headers })).json().cancelAtPeriodEnd, false);
  await app.inject({ method: 'POST', url: url('/billing/subscription/cancel'), headers: acme.headers });
  clock.advance(31 * DAY);
  await bk.billing.runCycle();
  t.equal((await app.inject({ url: url('/billing/subscription'), headers: acme.headers })).json().status, 'canceled');
  t.equal((await app.inject({ url: `/api/admin/tenants/${acme.id}`, headers: ADMIN })).json().status, 'cancelled', 'the tenant is cancelled at the period end');
  t.same((await app.inject({ url: '/api/v1/bystander/billing/invoices', headers: bystander.headers })).json().invoices, [], "none of Acme's invoices reach the other tenant");
  t.equal((await app.inject({ url: `/api/admin/tenants/${bystander.id}`, headers: ADMIN })).json().plan, 'starter', 'nor its plan changes');
});

void forEachEngine(t, 'a trial that ends without a payment method expires with a grace notice; choosing a plan brings it back', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { env: { LOG_LEVEL: process.env.DEBUG_BILLING ? 'debug' : 'silent' } });
  const { app, clock } = bk;
  const beta = await createTenant(bk, { name: 'Beta', subdomain: 'beta', trialDays: 3 });
  t.equal((await app.inject({ url: '/api/v1/beta/ping', headers: beta.headers })).statusCode, 200);
  clock.advance(3 * 86_400_000 + 1000);
  await bk.billing.runCycle();
  t.equal((await app.inject({ url: '/api/v1/beta/billing/subscription', headers: beta.headers })).json().status, 'expired');
  const blocked = await app.inject({ url: '/api/v1/beta/ping', headers: beta.headers });
  t.equal(blocked.statusCode, 403);
  t.equal(blocked.json().code, 'TENANT_EXPIRED');
  const notices = (await app.inject({ url: '/api/v1/beta/billing/notices', headers: beta.headers })).json().notices;
  t.equal(notices[0].kind, 'trial_ended');
  t.ok(Date.parse(notices[0].details.graceEndsAt) > clock.now().getTime(), 'the notice names the end of the grace period');

  await app.inject({ method: 'PUT', url: '/api/v1/beta/billing/payment-method', headers: beta.headers, payload: { paymentMethod: 'pm_card_visa' } });
  const back = await app.inject({ method: 'POST', url: '/api/v1/beta/billing/subscription', headers: beta.headers, payload: { plan: 'professional', cycle: 'yearly' } });
  t.equal(back.statusCode, 200, back.body);
  t.match(back.json().invoice, { subtotal: 1_125_000, vat: 168_750, total: 1_293_750 }, 'a year is ten months: 11,250.00 + VAT');
  t.equal((await app.inject({ url: '/api/v1/beta/ping', headers: beta.headers })).statusCode, 200);
});

void forEachEngine(t, 'a trial with a saved card converts to paid at its end', async (t, engine) => {
  const bk = await startBillingKernel(t, engine);
  const gamma = await createTenant(bk, { name: 'Gamma', subdomain: 'gamma', trialDays: 2 });
  await bk.app.inject({ method: 'PUT', url: '/api/v1/gamma/billing/payment-method', headers: gamma.headers, payload: { paymentMethod: 'pm_card_visa' } });
  bk.clock.advance(2 * 86_400_000 + 1000);
  await bk.billing.runCycle();
  const sub = (await bk.app.inject({ url: '/api/v1/gamma/billing/subscription', headers: gamma.headers })).json();
  t.equal(sub.status, 'active');
  const invoices = (await bk.app.inject({ url: '/api/v1/gamma/billing/invoices', headers: gamma.headers })).json().invoices;
  t.match(invoices, [{ status: 'paid', total: 43_125 }]);
});
