import t from 'tap';
import { PLATFORM_EVENT_TYPES } from '@dogan/runtime';
import { BILLING_EVENT_TYPES } from '../../plugins/billing/src/events.js';
import { createTenant, startBillingKernel } from '../billing/helpers/billing-kernel.js';
import { forEachEngine } from '../helpers/engines.js';
import { recordingOutbox } from './helpers/recording-outbox.js';

/**
 * Billing records `billing.*` in the transaction of each change: an invoice with its number, a
 * payment with its outcome, a subscription with its new state, a trial's coming end with its
 * notice. Each once, and none when the change rolls back (then the change is retried whole).
 */

const DAY = 86_400_000;

t.test('every type recorded here is in the kernel catalog of platform event types', async (t) => {
  for (const type of BILLING_EVENT_TYPES) t.ok(type in PLATFORM_EVENT_TYPES, type);
});

void forEachEngine(t, 'billing events: trial ending, invoices, payments and subscription changes, each once and only when committed', async (t, engine) => {
  const outbox = recordingOutbox();
  const bk = await startBillingKernel(t, engine, { start: new Date('2026-03-01T09:00:00Z'), plugins: [outbox.plugin] });
  const { app, clock, stripe } = bk;
  const acme = await createTenant(bk, { name: 'Acme', subdomain: 'acme', trialDays: 10 });
  const bystander = await createTenant(bk, { name: 'Bystander', subdomain: 'bystander', trialDays: 90 });
  const url = (path: string) => `/api/v1/acme${path}`;
  const events = async (type = 'billing.*') => (await outbox.recorded(type)).filter((e) => e.tenantId === acme.id);
  const subscription = async () => (await app.inject({ url: url('/billing/subscription'), headers: acme.headers })).json();

  await t.test('trial_ending: once per trial end, three days before it, not when its notice rolls back', async (t) => {
    await bk.billing.runCycle();
    t.same(await events('billing.trial_ending'), [], 'ten days out: nothing yet');
    clock.advance(8 * DAY);
    outbox.failNext('billing.trial_ending');
    await bk.billing.runCycle();
    t.same(await events('billing.trial_ending'), [], 'a failed notice records nothing...');
    t.notOk((await app.inject({ url: url('/billing/notices'), headers: acme.headers })).json().notices.some((n: { kind: string }) => n.kind === 'trial_ending'), '...and leaves no notice');
    await bk.billing.runCycle();
    await bk.billing.runCycle();
    const ending = await events('billing.trial_ending');
    t.equal(ending.length, 1, 'the next runs tell it once');
    t.match(ending[0], { version: 1, payload: { planId: 'starter', trialEndsAt: '2026-03-11T09:00:00.000Z', paymentMethodOnFile: false } });
  });

  await t.test('invoice_issued: with its number, never for an issue that rolled back (the number is not used up)', async (t) => {
    t.equal((await app.inject({ method: 'PUT', url: url('/billing/payment-method'), headers: acme.headers, payload: { paymentMethod: 'pm_card_visa' } })).statusCode, 200);
    outbox.failNext('billing.invoice_issued');
    const refused = await app.inject({ method: 'POST', url: url('/billing/subscription'), headers: acme.headers, payload: { plan: 'starter' } });
    t.equal(refused.statusCode, 500, refused.body);
    t.equal((await subscription()).status, 'trialing', 'the start was undone');
    t.same(await events('billing.invoice_issued'), []);
    t.same(await events('billing.subscription_changed'), []);

    // The provider's answers are lost: the invoice stays issued until its webhook.
    stripe.dropNext = 3;
    const started = await app.inject({ method: 'POST', url: url('/billing/subscription'), headers: acme.headers, payload: { plan: 'starter' } });
    t.equal(started.statusCode, 200, started.body);
    const [issued, ...more] = await events('billing.invoice_issued');
    t.equal(more.length, 0);
    t.match(issued, { payload: { invoice: { number: 'INV-2026-000001', kind: 'invoice', currency: 'SAR', subtotal: 37_500, vat: 5_625, total: 43_125, correctsInvoiceId: null } } }, 'the number the failed issue did not use');
    t.match(await events('billing.subscription_changed'), [{ payload: { reason: 'started', subscription: { planId: 'starter', status: 'active', cycle: 'monthly' }, previous: { status: 'trialing' } } }]);
  });

  await t.test('payment_succeeded: from a webhook, once; a webhook whose apply rolled back is applied on redelivery', async (t) => {
    const [succeeded] = stripe.eventsOfType('payment_intent.succeeded');
    const signed = stripe.sign(succeeded!);
    const deliver = () => app.inject({ method: 'POST', url: '/api/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signed.header }, payload: signed.payload });
    outbox.failNext('billing.payment_succeeded');
    t.equal((await deliver()).statusCode, 500, 'the provider is told to retry');
    t.equal((await app.inject({ url: url('/billing/invoices/INV-2026-000001'), headers: acme.headers })).json().status, 'issued', 'nothing applied');
    t.same(await events('billing.payment_succeeded'), []);
    t.equal((await deliver()).json().outcome, 'applied');
    t.equal((await deliver()).json().outcome, 'duplicate');
    const paid = await events('billing.payment_succeeded');
    t.equal(paid.length, 1);
    t.match(paid[0], { payload: { payment: { invoiceNumber: 'INV-2026-000001', provider: 'stripe', attempt: 1, amount: 43_125, currency: 'SAR' } } });
    t.notMatch(JSON.stringify(paid[0]), /inv_[0-9a-f-]+_attempt|pm_card|sk_test/, 'no idempotency key, card or provider secret');
  });

  await t.test('payment_failed: a declined renewal, once per attempt, with the next retry; then paying recovers the subscription', async (t) => {
    await app.inject({ method: 'PUT', url: url('/billing/payment-method'), headers: acme.headers, payload: { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' } });
    clock.set(Date.parse('2026-04-09T09:00:01Z'));
    await bk.billing.runCycle();
    const [failed, ...more] = await events('billing.payment_failed');
    t.equal(more.length, 0);
    t.match(failed, { payload: { payment: { invoiceNumber: 'INV-2026-000002', attempt: 1, failureCode: 'insufficient_funds' }, dunningExhausted: false } });
    t.ok(Date.parse(failed!.payload.nextAttemptAt) > clock.now().getTime(), 'it names the next retry');
    t.match((await events('billing.subscription_changed')).map((e) => e.payload.reason), ['started', 'past_due', 'renewed']);

    // A retry whose failure could not be recorded stays pending, and the next run records it once.
    clock.advance(DAY);
    outbox.failNext('billing.payment_failed');
    await bk.billing.runCycle();
    t.equal((await events('billing.payment_failed')).length, 1, 'the rolled-back failure says nothing');
    const open = (await bk.billing.invoices.find(acme.id, 'INV-2026-000002')).invoice;
    t.equal((await bk.billing.payments.paymentsOf(open.id)).at(-1)!.status, 'pending', 'and its payment is still pending');
    await bk.billing.runCycle();
    const failures = await events('billing.payment_failed');
    t.equal(failures.length, 2, 'the retry records it');
    t.equal(failures[1]!.payload.payment.attempt, 2);

    await app.inject({ method: 'PUT', url: url('/billing/payment-method'), headers: acme.headers, payload: { paymentMethod: 'pm_card_visa' } });
    t.equal((await app.inject({ method: 'POST', url: url('/billing/invoices/INV-2026-000002/pay'), headers: acme.headers })).statusCode, 200);
    t.match((await events('billing.payment_succeeded')).at(-1), { payload: { payment: { invoiceNumber: 'INV-2026-000002', attempt: 3 } } });
    t.match((await events('billing.subscription_changed')).at(-1), { payload: { reason: 'payment_recovered', subscription: { status: 'active' }, previous: { status: 'past_due' } } });
  });

  await t.test('subscription_changed: cancel and resume, none for a cancel that rolled back', async (t) => {
    const before = (await events('billing.subscription_changed')).length;
    outbox.failNext('billing.subscription_changed');
    t.equal((await app.inject({ method: 'POST', url: url('/billing/subscription/cancel'), headers: acme.headers })).statusCode, 500);
    t.equal((await subscription()).cancelAtPeriodEnd, false, 'the cancel rolled back');
    t.equal((await events('billing.subscription_changed')).length, before);
    await app.inject({ method: 'POST', url: url('/billing/subscription/cancel'), headers: acme.headers });
    await app.inject({ method: 'POST', url: url('/billing/subscription/resume'), headers: acme.headers });
    const [cancel, resume] = (await events('billing.subscription_changed')).slice(before);
    t.match(cancel, { payload: { reason: 'cancel_scheduled', subscription: { cancelAtPeriodEnd: true }, previous: { cancelAtPeriodEnd: false } } });
    t.match(resume, { payload: { reason: 'resumed', subscription: { cancelAtPeriodEnd: false } } });
  });

  t.same((await outbox.recorded('billing.*')).filter((e) => e.tenantId === bystander.id), [], 'the other tenant, on a long trial, is in no billing event');
  const all = await outbox.recorded('billing.*');
  t.notOk(all.some((e) => JSON.stringify(e.payload).includes(bystander.id)), "and named in none of Acme's");
});
