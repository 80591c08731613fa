import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { caller, createTenant, PROBLEM, startEmailKernel } from './helpers.js';

/**
 * A tenant's templates: saved per language, checked when saved (syntax, `{{{raw}}}` refused, the
 * platform's notice names reserved), previewed as they would be sent without sending, and private
 * to the tenant. The platform's notices are listed and previewable, read-only.
 */

const RECEIPT = {
  ar: { subject: 'إيصال {{number}}', html: '<p>شكرًا {{customer.name}}، استلمنا {{amount | money}} في {{paidAt | date}}.</p>{{^note}}<p>بلا ملاحظات.</p>{{/note}}' },
  en: { subject: 'Receipt {{number}}', text: 'Thank you {{customer.name}}, we received {{amount | money:USD}} on {{paidAt | gregorian}}.' },
};

void forEachEngine(t, 'tenant templates in Arabic and English, with a preview', async (t, engine) => {
  const { app } = await startEmailKernel(t, engine);
  const acme = await createTenant(app, 'acme', 'ar');
  const globex = await createTenant(app, 'globex', 'en');
  const reader = await createTenant(app, 'reader', 'en', ['read']);
  const call = caller(app, acme);
  const callGlobex = caller(app, globex);

  await t.test('save, read, list, delete', async (t) => {
    const saved = await call('PUT', '/email/templates/receipt', RECEIPT);
    t.equal(saved.statusCode, 200);
    t.match(saved.json(), { name: 'receipt', builtin: false, locales: { ar: { subject: 'إيصال {{number}}', text: null }, en: { html: null } } });
    const list = (await call('GET', '/email/templates')).json().items;
    t.ok(list.some((i: { name: string; builtin: boolean }) => i.name === 'trial_ending' && i.builtin), 'the notices are listed');
    t.ok(list.some((i: { name: string }) => i.name === 'receipt'));
    t.notOk((await callGlobex('GET', '/email/templates')).json().items.some((i: { name: string }) => i.name === 'receipt'), 'not in the other tenant');
    t.equal((await callGlobex('DELETE', '/email/templates/receipt')).json().code, 'EMAIL_TEMPLATE_NOT_FOUND', 'which cannot delete it either');
    t.equal((await call('PUT', '/email/templates/receipt', { en: RECEIPT.en })).json().locales.ar, undefined, 'a save replaces every language');
    t.equal((await call('PUT', '/email/templates/receipt', RECEIPT)).statusCode, 200);
    t.equal((await call('PUT', '/email/templates/scratch', { en: { subject: 's', text: 't' } })).statusCode, 200);
    t.equal((await call('DELETE', '/email/templates/scratch')).statusCode, 204);
    t.equal((await call('GET', '/email/templates/scratch')).statusCode, 404);
  });

  await t.test('refused when saved: syntax, raw HTML, reserved names, empty bodies', async (t) => {
    const cases: Array<[string, unknown, number, string, RegExp?]> = [
      ['bad', { en: { subject: 'Hi {{name', text: 'x' } }, 400, 'EMAIL_TEMPLATE_INVALID', /never closed/],
      ['bad', { en: { subject: 'Hi', html: '{{{name}}}' } }, 400, 'EMAIL_TEMPLATE_INVALID', /unescaped HTML/],
      ['bad', { en: { subject: 'Hi', html: '{{#a}}x' } }, 400, 'EMAIL_TEMPLATE_INVALID', /never closed/],
      ['bad', { en: { subject: 'Hi', html: '{{#a}}x{{/b}}' } }, 400, 'EMAIL_TEMPLATE_INVALID', /closes/],
      ['bad', { en: { subject: 'Hi', text: '{{total | shout}}' } }, 400, 'EMAIL_TEMPLATE_INVALID', /unknown filter/],
      ['bad', { en: { subject: 'Hi', text: '{{> partial}}' } }, 400, 'EMAIL_TEMPLATE_INVALID'],
      ['bad', { en: { subject: 'Hi' } }, 400, 'EMAIL_TEMPLATE_INVALID', /html or a text body/],
      ['bad', {}, 400, 'VALIDATION_FAILED'],
      ['trial_ending', { en: { subject: 'Hi', text: 'x' } }, 409, 'EMAIL_TEMPLATE_RESERVED'],
      ['Bad Name', { en: { subject: 'Hi', text: 'x' } }, 400, 'EMAIL_TEMPLATE_INVALID'],
    ];
    for (const [name, body, status, code, detail] of cases) {
      const res = await call('PUT', `/email/templates/${encodeURIComponent(name)}`, body);
      t.equal(res.statusCode, status, `${name} ${JSON.stringify(body)}`);
      t.match(res.headers['content-type'], PROBLEM);
      t.equal(res.json().code, code);
      if (detail) t.match(res.json().detail, detail);
    }
    t.equal((await call('DELETE', '/email/templates/trial_ending')).json().code, 'EMAIL_TEMPLATE_RESERVED');
    t.equal((await caller(app, reader)('PUT', '/email/templates/x', { en: { subject: 's', text: 't' } })).statusCode, 403, 'a read-only key cannot save');
  });

  await t.test('preview renders as it would be sent, without sending', async (t) => {
    const data = { number: 'R-9', customer: { name: '<i>سارة</i>' }, amount: 250_075, paidAt: '2026-03-01T21:30:00Z' };
    const ar = (await call('POST', '/email/templates/receipt/preview', { data })).json();
    t.match(ar, { subject: 'إيصال R-9', locale: 'ar', template: 'receipt' });
    t.match(ar.html, /<html lang="ar" dir="rtl">/);
    t.match(ar.html, /شكرًا &lt;i&gt;سارة&lt;\/i&gt;/, 'escaped in HTML');
    t.match(ar.html, /٢٬٥٠٠٫٧٥/, "money in the tenant's digits");
    t.match(ar.html, /٢ مارس ٢٠٢٦/, "an instant is dated in the tenant's zone (21:30 UTC is the 2nd in Riyadh)");
    t.match(ar.html, /بلا ملاحظات/, 'an inverted section shows when the value is missing');
    t.match(ar.text, /شكرًا <i>سارة<\/i>، استلمنا/, 'the derived text alternative, unescaped');
    const en = (await call('POST', '/email/templates/receipt/preview', { locale: 'en', data })).json();
    t.match(en, { subject: 'Receipt R-9', locale: 'en', text: /we received 2,500\.75\s(USD|\$)/ });
    t.match(en.html, /<html lang="en" dir="ltr">/);
    t.match(en.html, /<p>Thank you &lt;i&gt;سارة&lt;\/i&gt;, we received/, 'a text-only template gets an HTML body from its text');
    const notice = (await call('POST', '/email/templates/trial_ending/preview', { data: { tenantName: 'أكمي', trialEndsAt: '2026-03-10', daysLeftText: 'خلال ٣ أيام' } })).json();
    t.match(notice.subject, /^تنتهي الفترة التجريبية لـ أكمي في/);
    t.equal((await call('GET', '/email/messages')).json().total, 0, 'nothing was queued');
    t.equal((await callGlobex('POST', '/email/templates/receipt/preview', {})).json().code, 'EMAIL_TEMPLATE_NOT_FOUND');
    t.equal((await caller(app, reader)('POST', '/email/templates/trial_ending/preview', { locale: 'en' })).statusCode, 403, 'a POST, so not with a read-only key');
  });
});
