import { randomUUID } from 'node:crypto';
import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, createTenant, startBillingKernel } from './helpers/billing-kernel.js';

void forEachEngine(t, 'Stripe: lost answers, idempotent retries, duplicate and out-of-order webhooks, unknown invoices, bad signatures', async (t, engine) => {
  const bk = await startBillingKernel(t, engine);
  const { app, stripe } = bk;
  const co = await createTenant(bk, { name: 'Hooks', subdomain: 'hooks' });
  const bystander = await createTenant(bk, { name: 'Quiet', subdomain: 'quiet' });
  await app.inject({ method: 'PUT', url: '/api/v1/hooks/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'pm_card_visa' } });

  // Every answer lost: the SDK retries with the same idempotency key; the charge exists once at Stripe.
  stripe.dropNext = 3;
  const started = await app.inject({ method: 'POST', url: '/api/v1/hooks/billing/subscription', headers: co.headers, payload: { plan: 'starter' } });
  t.equal(started.statusCode, 200, started.body);
  const invoice = started.json().invoice;
  t.equal(invoice.status, 'issued', 'no provider answer: not recorded as paid');
  t.equal(stripe.paymentIntents.size, 1, 'one PaymentIntent despite three tries');
  const keys = new Set(stripe.requests.filter((r) => r.path === '/v1/payment_intents').map((r) => r.idempotencyKey));
  t.equal(keys.size, 1, 'every try carried the same idempotency key');

  const deliver = (payload: string, header: string) =>
    app.inject({ method: 'POST', url: '/api/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload });
  const [succeeded] = stripe.eventsOfType('payment_intent.succeeded');
  const signed = stripe.sign(succeeded!);
  const first = await deliver(signed.payload, signed.header);
  t.equal(first.statusCode, 200, first.body);
  t.equal(first.json().outcome, 'applied');
  const paid = (await app.inject({ url: `/api/v1/hooks/billing/invoices/${invoice.number}`, headers: co.headers })).json();
  t.equal(paid.status, 'paid', 'the provider’s confirmation pays the invoice');
  const again = await deliver(signed.payload, signed.header);
  t.equal(again.json().outcome, 'duplicate', 'a second delivery is recognised');

  // A failure event for the same PaymentIntent arriving late must not undo the payment.
  const late = stripe.sign({ id: 'evt_late_failure', type: 'payment_intent.payment_failed', created: 1, data: { object: { ...succeeded!.data.object, status: 'requires_payment_method', last_payment_error: { code: 'card_declined', message: 'late' } } } });
  t.equal((await deliver(late.payload, late.header)).json().outcome, 'unchanged');
  t.equal((await app.inject({ url: `/api/v1/hooks/billing/invoices/${invoice.number}`, headers: co.headers })).json().status, 'paid');

  const stranger = stripe.sign({ id: 'evt_stranger', type: 'payment_intent.succeeded', created: 1, data: { object: { id: 'pi_unknown', amount: 100, currency: 'sar', metadata: { invoice_id: randomUUID() } } } });
  const unknown = await deliver(stranger.payload, stranger.header);
  t.equal(unknown.statusCode, 200);
  t.equal(unknown.json().outcome, 'unknown_invoice');

  const forged = stripe.sign(succeeded!, undefined, 'whsec_wrong');
  const refused = await deliver(forged.payload, forged.header);
  t.equal(refused.statusCode, 400);
  t.equal(refused.json().code, 'WEBHOOK_SIGNATURE_INVALID');
  const tampered = await deliver(signed.payload.replace('"amount": 43125', '"amount": 1'), signed.header);
  t.equal(tampered.json().code, 'WEBHOOK_SIGNATURE_INVALID', 'a changed byte breaks the signature');
  t.equal((await app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: signed.payload, headers: { 'content-type': 'application/json' } })).json().code, 'WEBHOOK_SIGNATURE_INVALID');
  t.same((await app.inject({ url: '/api/v1/quiet/billing/invoices', headers: bystander.headers })).json().invoices, [], 'the other tenant has no invoice and no payment');
});

void forEachEngine(t, 'dunning: a failed renewal is retried on days 1, 3 and 7, then the tenant is suspended; paying reactivates it', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { start: new Date('2026-05-01T10:00:00Z') });
  const { app, clock } = bk;
  const co = await createTenant(bk, { name: 'Late Payer', subdomain: 'late' });
  const onTime = await createTenant(bk, { name: 'On Time', subdomain: 'on-time' });
  await app.inject({ method: 'PUT', url: '/api/v1/late/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'pm_card_chargeDeclined' } });
  const declined = await app.inject({ method: 'POST', url: '/api/v1/late/billing/subscription', headers: co.headers, payload: { plan: 'starter' } });
  t.equal(declined.statusCode, 402, 'a declined first payment refuses the plan');
  t.equal(declined.json().code, 'PAYMENT_FAILED');
  t.equal((await app.inject({ url: '/api/v1/late/billing/subscription', headers: co.headers })).json().status, 'trialing', 'and changes nothing');

  await app.inject({ method: 'PUT', url: '/api/v1/late/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'pm_card_visa' } });
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/late/billing/subscription', headers: co.headers, payload: { plan: 'starter' } })).statusCode, 200);
  await app.inject({ method: 'PUT', url: '/api/v1/late/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' } });

  const renewalAt = new Date('2026-06-01T10:00:00Z').getTime();
  clock.set(renewalAt + 1000);
  await bk.billing.runCycle();
  const open = (await app.inject({ url: '/api/v1/late/billing/invoices', headers: co.headers })).json().invoices[0];
  t.equal(open.status, 'issued');
  t.equal((await app.inject({ url: '/api/v1/late/billing/subscription', headers: co.headers })).json().status, 'past_due');
  const ping = () => app.inject({ url: '/api/v1/late/ping', headers: co.headers });
  for (const day of [1, 3]) {
    clock.set(renewalAt + 1000 + day * 86_400_000);
    await bk.billing.runCycle();
    t.equal((await ping()).statusCode, 200, `day ${day}: retried, still open`);
  }
  clock.set(renewalAt + 1000 + 6 * 86_400_000);
  await bk.billing.runCycle();
  const { invoice } = await bk.billing.invoices.find(co.id, open.number);
  t.equal(invoice.paymentAttempts, 3, 'nothing is tried between the scheduled days');
  clock.set(renewalAt + 1000 + 7 * 86_400_000);
  await bk.billing.runCycle();
  const suspended = await ping();
  t.equal(suspended.statusCode, 403);
  t.equal(suspended.json().code, 'TENANT_SUSPENDED', 'after the day-7 retry fails, the tenant is suspended');
  const payments = await bk.billing.payments.paymentsOf(invoice.id);
  t.same(payments.map((p) => p.status), ['failed', 'failed', 'failed', 'failed']);
  const notices = (await app.inject({ url: '/api/v1/late/billing/notices', headers: co.headers })).json().notices.map((n: { kind: string }) => n.kind);
  t.ok(notices.includes('suspended'));

  await app.inject({ method: 'PUT', url: '/api/v1/late/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'pm_card_visa' } });
  const pay = await app.inject({ method: 'POST', url: `/api/v1/late/billing/invoices/${open.number}/pay`, headers: co.headers });
  t.equal(pay.statusCode, 200, 'a suspended tenant can still pay');
  t.equal(pay.json().invoice.status, 'paid');
  t.equal((await ping()).statusCode, 200, 'paying reactivates the tenant');
  t.equal((await app.inject({ url: '/api/v1/late/billing/subscription', headers: co.headers })).json().status, 'active');
  // Its own trial ended meanwhile (no card), so it is expired; suspension is dunning's, and that was not its.
  t.equal((await app.inject({ url: `/api/admin/tenants/${onTime.id}`, headers: ADMIN })).json().status, 'expired', "the other tenant is not suspended by this tenant's dunning");
  t.same((await app.inject({ url: '/api/v1/on-time/billing/invoices', headers: onTime.headers })).json().invoices, [], 'nor billed for it');
});

void forEachEngine(t, 'Moyasar (mada) and bank transfer', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { provider: 'moyasar' });
  const { app, moyasar } = bk;
  const co = await createTenant(bk, { name: 'مؤسسة مدى', subdomain: 'mada-co' });
  const bad = await app.inject({ method: 'PUT', url: '/api/v1/mada-co/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'token_nope' } });
  t.equal(bad.json().code, 'PAYMENT_METHOD_INVALID');
  await app.inject({ method: 'PUT', url: '/api/v1/mada-co/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'token_mada_ok' } });
  const started = await app.inject({ method: 'POST', url: '/api/v1/mada-co/billing/subscription', headers: co.headers, payload: { plan: 'starter' } });
  t.equal(started.statusCode, 200, started.body);
  t.match(started.json().invoice, { status: 'paid', total: 43_125 });
  const payment = [...moyasar.payments.values()][0]!;
  t.equal(payment.amount, 43_125, 'Moyasar is sent halalas');
  const hook = moyasar.webhooks[0]!;
  const send = (body: unknown) => app.inject({ method: 'POST', url: '/api/webhooks/moyasar', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  t.equal((await send({ ...hook, secret_token: 'wrong' })).json().code, 'WEBHOOK_SIGNATURE_INVALID');
  t.equal((await send(hook)).json().outcome, 'unchanged', 'already paid from the API answer');
  t.equal((await send(hook)).json().outcome, 'duplicate');
});

void forEachEngine(t, 'bank transfer: pending until a platform admin confirms it with a reference', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { provider: 'bank_transfer' });
  const { app } = bk;
  const co = await createTenant(bk, { name: 'Wire', subdomain: 'wire' });
  const started = await app.inject({ method: 'POST', url: '/api/v1/wire/billing/subscription', headers: co.headers, payload: { plan: 'professional' } });
  t.equal(started.statusCode, 200, started.body);
  const invoice = started.json().invoice;
  t.equal(invoice.status, 'issued', 'not paid until confirmed');
  const empty = await app.inject({ method: 'POST', url: `/api/admin/billing/invoices/${invoice.id}/confirm-transfer`, headers: ADMIN, payload: { reference: ' ' } });
  t.equal(empty.json().code, 'PAYMENT_REFERENCE_REQUIRED');
  const ok = await app.inject({ method: 'POST', url: `/api/admin/billing/invoices/${invoice.id}/confirm-transfer`, headers: ADMIN, payload: { reference: 'SNB-2026-778812' } });
  t.equal(ok.json().status, 'paid');
  const twice = await app.inject({ method: 'POST', url: `/api/admin/billing/invoices/${invoice.id}/confirm-transfer`, headers: ADMIN, payload: { reference: 'SNB-2026-778812' } });
  t.equal(twice.json().code, 'INVOICE_STATUS_INVALID', 'confirming twice changes nothing');
  const notAdmin = await app.inject({ method: 'POST', url: `/api/admin/billing/invoices/${invoice.id}/confirm-transfer`, headers: co.headers, payload: { reference: 'x' } });
  t.equal(notAdmin.statusCode, 403);
});
