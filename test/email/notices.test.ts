import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { eventBusRef, type PlatformEvent, type PluginDefinition } from '@dogan/runtime';
import { eventOutboxRef } from '@dogan/tenants';
import { billingServiceRef, createBillingPlugin, ManualClock } from '@dogan/plugin-billing';
import { noticesConsumer } from '../../plugins/email/src/notices/notice-consumer.js';
import { forEachEngine } from '../helpers/engines.js';
import { adminHeaders } from '../helpers/tenant-fixtures.js';
import { caller, startEmailKernel, useSink, waitFor, type TestTenant } from './helpers.js';
import { startSmtpSink, type SinkMessage } from './smtp-sink.js';

/**
 * The platform's notices: billing's events (a trial ending, then ended; an invoice; a failed payment
 * and the dunning steps after it) and a webhook disabled for failing reach each tenant's billing
 * contact in its own language, once per event however often the event is delivered. A tenant
 * without a notice address is told nothing, and no tenant hears of another's.
 */

const DAY = 86_400_000;

async function trialTenant(app: FastifyInstance, subdomain: string, name: string, locale: 'ar' | 'en'): Promise<TestTenant> {
  const created = await app.inject({ method: 'POST', url: '/api/admin/tenants', headers: adminHeaders, payload: { name, subdomain, locale, trialDays: 2 } });
  if (created.statusCode !== 201) throw new Error(`tenant not created: ${created.statusCode} ${created.body}`);
  const { id } = created.json() as { id: string };
  const key = await app.inject({ method: 'POST', url: `/api/admin/tenants/${id}/api-keys`, headers: adminHeaders, payload: { name: 'owner', scopes: ['read', 'write', 'admin'] } });
  const secret = (key.json() as { key: string }).key;
  return { id, subdomain, key: secret, headers: { authorization: `Bearer ${secret}` } };
}

void forEachEngine(t, "billing's and webhooks' events reach the billing contact in the tenant's language", async (t, engine) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const clock = new ManualClock(Date.now());
  const billing = createBillingPlugin({ clock, flushIntervalMs: 3_600_000, cycleIntervalMs: 0 }) as PluginDefinition;
  const { kernel, app, api, email } = await startEmailKernel(t, engine, { plugins: [billing], env: { BILLING_PROVIDER: 'none' } });
  const acme = await trialTenant(app, 'acme', 'شركة أكمي', 'ar');
  const globex = await trialTenant(app, 'globex', 'Globex Ltd', 'en');
  const silent = await trialTenant(app, 'silent', 'Silent', 'en');
  await useSink(caller(app, acme), sink, { fromAddress: 'billing@acme.example', noticeAddress: 'owner@acme.example' });
  await useSink(caller(app, globex), sink, { fromAddress: 'billing@globex.example', noticeAddress: 'ops@globex.example' });
  await useSink(caller(app, silent), sink, { fromAddress: 'billing@silent.example', noticeAddress: null });
  const billingEvents: PlatformEvent[] = [];
  const bus = kernel.host.service(eventBusRef);
  const tap = await bus.subscribe({ name: 'test.billing-events', delivery: 'every-node', types: ['billing.*'], handle: async (e) => void billingEvents.push(e) });
  t.teardown(() => tap.close());
  const mailTo = (address: string, count: number) => waitFor(`${count} notices to ${address}`, () => sink.to(address).length >= count && sink.to(address));
  const notices = async (tenant: TestTenant) => (await caller(app, tenant)('GET', '/email/messages?perPage=100')).json().items.filter((m: { source: string }) => m.source?.startsWith('notice:'));

  await t.test('trial ending: Arabic for the Arabic tenant, English for the English one', async (t) => {
    await kernel.host.service(billingServiceRef).runCycle();
    const [ar] = (await mailTo('owner@acme.example', 1)) as SinkMessage[];
    const [en] = (await mailTo('ops@globex.example', 1)) as SinkMessage[];
    t.match(ar!.parsed.subject, /^تنتهي الفترة التجريبية لـ شركة أكمي في .+هـ/, 'Arabic subject, the date in the Hijri calendar too');
    t.match(String(ar!.parsed.html), /<html lang="ar" dir="rtl">/);
    t.match(String(ar!.parsed.text), /خلال يومين/, 'two days, in the Arabic dual');
    t.equal(ar!.parsed.headers.get('auto-submitted'), 'auto-generated');
    t.match(en!.parsed.subject, /^The trial of Globex Ltd ends on \d{1,2} \w+ \d{4}/);
    t.match(String(en!.parsed.text), /in 2 days/);
    t.match(String(en!.parsed.html), /<html lang="en" dir="ltr">/);
    t.match(await notices(acme), [{ template: 'trial_ending', locale: 'ar', source: 'notice:trial_ending', to: ['owner@acme.example'] }]);
  });

  await t.test('a redelivered event sends nothing more; a tenant without a notice address gets nothing', async (t) => {
    const event = await waitFor('the trial_ending event of acme', () => billingEvents.find((e) => e.type === 'billing.trial_ending' && e.tenantId === acme.id));
    const consumer = noticesConsumer({ tenants: api.tenants, settings: email.settings, sender: email.sender, localization: email.localization, invoices: () => undefined, log: kernel.log });
    await consumer.handle(event, { attempt: 2, consumer: consumer.name });
    await consumer.handle(event, { attempt: 3, consumer: consumer.name });
    t.equal((await notices(acme)).length, 1, 'one message per event id');
    t.ok(billingEvents.some((e) => e.type === 'billing.trial_ending' && e.tenantId === silent.id), 'billing did tell the silent tenant');
    t.same(await notices(silent), [], 'but without a notice address no mail is made');
  });

  await t.test('invoice, failed payment, dunning and a disabled webhook', async (t) => {
    const outbox = kernel.host.service(eventOutboxRef);
    const invoice = { id: 'inv-1', number: 'INV-2026-000042', kind: 'invoice', currency: 'SAR', subtotal: 10_000, vat: 1_500, total: 11_500, periodStart: '2026-03-01T00:00:00.000Z', periodEnd: '2026-04-01T00:00:00.000Z', issuedAt: '2026-04-01T00:00:00.000Z', dueAt: '2026-04-08T00:00:00.000Z', correctsInvoiceId: null };
    const payment = (attempt: number) => ({ id: `pay-${attempt}`, invoiceId: 'inv-1', invoiceNumber: 'INV-2026-000042', provider: 'stripe', attempt, amount: 11_500, currency: 'SAR', failureCode: 'card_declined', failureMessage: 'Your card was declined.' });
    await outbox.emit([
      { type: 'billing.invoice_issued', tenantId: globex.id, payload: { invoice } },
      { type: 'billing.payment_failed', tenantId: acme.id, payload: { payment: payment(1), nextAttemptAt: '2026-04-09T00:00:00.000Z', dunningExhausted: false } },
      { type: 'billing.payment_failed', tenantId: acme.id, payload: { payment: payment(2), nextAttemptAt: '2026-04-11T00:00:00.000Z', dunningExhausted: false } },
      { type: 'billing.payment_failed', tenantId: acme.id, payload: { payment: payment(4), nextAttemptAt: null, dunningExhausted: true } },
      { type: 'webhook.disabled', tenantId: globex.id, payload: { webhookId: 'wh-1', url: 'https://hooks.globex.example/in', reason: 'failed 20 times over 3 days' } },
    ]);
    const acmeMail = await mailTo('owner@acme.example', 4);
    const globexMail = await mailTo('ops@globex.example', 3);
    const subjects = (list: SinkMessage[]) => list.map((m) => m.parsed.subject).sort();
    t.same(subjects(acmeMail.slice(1)), ['تذكير: الفاتورة INV-2026-000042 ما زالت غير مدفوعة', 'تعذّر تحصيل دفعة الفاتورة INV-2026-000042', 'عُلِّق حساب شركة أكمي لعدم السداد'].sort(), 'the three dunning steps, in Arabic');
    const failed = acmeMail.find((m) => m.parsed.subject?.startsWith('تعذّر'))!;
    t.match(String(failed.parsed.text), /١١٥٫٠٠/, 'the amount in the tenant’s digits');
    t.match(String(failed.parsed.text), /Your card was declined\./);
    t.same(subjects(globexMail.slice(1)), ['A webhook of Globex Ltd was disabled after repeated failures', 'Invoice INV-2026-000042 for Globex Ltd'].sort());
    const inv = globexMail.find((m) => m.parsed.subject?.startsWith('Invoice'))!;
    t.match(String(inv.parsed.text), /Total 115\.00\sSAR/, 'amounts with the currency (a non-breaking space between)');
    t.match(String(inv.parsed.text), /VAT 15\.00\sSAR/);
    t.match(String(inv.parsed.text), /Period 1 March 2026 \(12 Ramadan 1447 AH\)/, 'the period in both calendars, as the tenant shows dates');
    t.match(String(globexMail.find((m) => m.parsed.subject?.startsWith('A webhook'))!.parsed.text), /https:\/\/hooks\.globex\.example\/in/);
    t.same((await notices(globex)).map((n: { template: string }) => n.template).sort(), ['invoice_issued', 'trial_ending', 'webhook_disabled']);
  });

  await t.test('trial ended, from the billing run after the trial end', async (t) => {
    clock.advance(3 * DAY);
    await kernel.host.service(billingServiceRef).runCycle();
    const mail = await mailTo('owner@acme.example', 5);
    t.ok(mail.some((m) => m.parsed.subject === 'انتهت الفترة التجريبية لـ شركة أكمي'), 'the trial-ended notice, in Arabic, to the expired tenant');
    await mailTo('ops@globex.example', 4);
    t.ok(sink.to('ops@globex.example').some((m) => m.parsed.subject === 'The trial of Globex Ltd has ended'));
    t.equal(sink.messages.filter((m) => m.to.some((a) => !['owner@acme.example', 'ops@globex.example'].includes(a))).length, 0, 'nobody else was written to');
  });
});
