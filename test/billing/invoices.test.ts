import QRCode from 'qrcode';
import t from 'tap';
import { createKsaService } from '@dogan/plugin-ksa';
import { decodeZatcaQr, money } from '../../plugins/billing/src/index.js';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, createTenant, SELLER_VAT, startBillingKernel } from './helpers/billing-kernel.js';

void forEachEngine(t, 'an invoice whose lines, VAT and total agree to the halala, in Arabic and English, with a QR of its own numbers', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { start: new Date('2026-03-11T07:00:00Z') });
  const { app } = bk;
  const co = await createTenant(bk, { name: 'شركة النخيل', subdomain: 'nakheel' });
  // A module bought during the trial lands on the first invoice, with the plan.
  await bk.billing.purchaseModule(co.id, { moduleId: 'acme/crm-sync', version: '1.2.0', pricing: { model: 'one_time', amount: 4_999 }, publisher: 'acme' });
  await app.inject({ method: 'PUT', url: '/api/v1/nakheel/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'pm_card_visa' } });
  const started = await app.inject({ method: 'POST', url: '/api/v1/nakheel/billing/subscription', headers: co.headers, payload: { plan: 'professional' } });
  t.equal(started.statusCode, 200, started.body);
  const number = started.json().invoice.number;
  const inv = (await app.inject({ url: `/api/v1/nakheel/billing/invoices/${number}`, headers: co.headers })).json();
  t.same(inv.lines.map((l: { amount: number }) => l.amount), [112_500, 4_999]);
  const sum = inv.lines.reduce((s: number, l: { amount: number }) => s + l.amount, 0);
  t.equal(inv.subtotal, sum);
  t.equal(inv.vat, 17_625, '15% of 1,174.99 = 176.2485 → 176.25');
  t.equal(inv.total, sum + inv.vat);
  t.same(inv.issueDate, { gregorian: '2026-03-11', hijri: '1447-09-22' }, 'issue date in both calendars');

  const qr = decodeZatcaQr(inv.qr);
  t.same(qr, { sellerName: 'شركة الاختبار', vatNumber: SELLER_VAT, timestamp: '2026-03-11T07:00:00Z', total: money.toDecimalString(inv.total), vatTotal: money.toDecimalString(inv.vat) });
  t.equal(qr.total, '1351.24');

  const html = await app.inject({ url: `/api/v1/nakheel/billing/invoices/${number}/html`, headers: co.headers });
  t.equal(html.statusCode, 200);
  t.match(html.headers['content-type'], /text\/html/);
  const page = html.body;
  t.match(page, '<html lang="ar" dir="rtl">');
  for (const label of ['فاتورة ضريبية مبسطة', 'Simplified tax invoice', 'رقم التسجيل الضريبي', 'VAT registration number', 'ضريبة القيمة المضافة (١٥٪)', 'VAT (15%)']) t.match(page, label, label);
  const ksa = createKsaService();
  for (const language of ['ar', 'en'] as const) {
    const f = ksa.forTenant({ language, timezone: 'Asia/Riyadh' }).formatter;
    for (const amount of [inv.subtotal, inv.vat, inv.total]) t.match(page, f.money(amount, 'SAR'), `${language}: ${f.money(amount, 'SAR')}`);
    t.match(page, f.hijriDate('2026-03-11'), `${language}: Hijri date`);
  }
  t.match(page, await QRCode.toString(inv.qr, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }), 'the QR image encodes the invoice’s own payload');

  // Issued means fixed: issuing again is refused, a credit note corrects.
  await t.rejects(bk.billing.invoices.issue(inv.id), { code: 'INVOICE_NOT_DRAFT' });
  const credit = await app.inject({ method: 'POST', url: `/api/admin/billing/invoices/${inv.id}/credit-note`, headers: ADMIN });
  t.equal(credit.statusCode, 200, credit.body);
  t.match(credit.json(), { kind: 'credit_note', number: 'CN-2026-000001', subtotal: -sum, vat: -inv.vat, total: -inv.total, correctsInvoiceId: inv.id });
  t.equal(decodeZatcaQr(credit.json().qr).total, `-${qr.total}`);
  t.equal((await app.inject({ url: `/api/v1/nakheel/billing/invoices/${number}`, headers: co.headers })).json().status, 'paid', 'the original is not edited');

  // The publisher's 70% of the paid module line, once.
  const report = await app.inject({ url: '/api/admin/billing/payouts?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', headers: ADMIN });
  t.same(report.json().publishers, [{ publisher: 'acme', currency: 'SAR', gross: 4_999, share: 3_499, lines: 1 }], '70% of 49.99 = 34.993 → 34.99');

  const london = await createTenant(bk, { name: 'London Ltd', subdomain: 'london', country: 'GB' });
  await app.inject({ method: 'PUT', url: '/api/v1/london/billing/payment-method', headers: london.headers, payload: { paymentMethod: 'pm_card_visa' } });
  const gb = await app.inject({ method: 'POST', url: '/api/v1/london/billing/subscription', headers: london.headers, payload: { plan: 'starter' } });
  t.match(gb.json().invoice, { vatRateBasisPoints: 0, vat: 0, total: 37_500 }, 'VAT by the tenant’s country: none outside Saudi Arabia by default');
});

void forEachEngine(t, 'gapless numbering under 50 concurrent invoice issues (and racing double issues)', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { start: new Date('2026-07-01T00:00:00Z') });
  const tenant = await createTenant(bk, { name: 'Many', subdomain: 'many' });
  const buyer = { id: tenant.id, name: 'Many', country: 'SA', timezone: 'Asia/Riyadh' };
  const em = bk.api.controlPlane.em.fork();
  const drafts = [];
  for (let i = 0; i < 50; i++) {
    drafts.push(
      await bk.billing.invoices.createDraft(em.fork(), { buyer, currency: 'SAR', periodStart: new Date(), periodEnd: new Date(), lines: [{ kind: 'plan', description: { en: `n${i}`, ar: `n${i}` }, amount: 1000 + i }] }),
    );
  }
  // Each draft issued twice at once: one of each pair must lose without consuming a number.
  const results = await Promise.allSettled(drafts.flatMap((d) => [bk.billing.invoices.issue(d.invoice.id), bk.billing.invoices.issue(d.invoice.id)]));
  const issued = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ number: string | null }>).value.number!);
  const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code);
  t.equal(issued.length, 50);
  t.same([...new Set(refused)], ['INVOICE_NOT_DRAFT']);
  t.same(issued.sort(), Array.from({ length: 50 }, (_, i) => `INV-2026-${String(i + 1).padStart(6, '0')}`), 'INV-2026-000001 … 000050, no gap, no repeat');
});
