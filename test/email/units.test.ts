import t from 'tap';
import { createFormatter, createKsaService } from '@dogan/plugin-ksa';
import { addressList, isAddress, parseMailbox } from '../../plugins/email/src/addresses.js';
import { checkEmailConfig } from '../../plugins/email/src/config.js';
import { EmailErrors } from '../../plugins/email/src/errors.js';
import { BUILTIN_TEMPLATES, backoffMs, classifySmtpError, htmlToText, parseTemplate, renderTemplate, wrapHtml, type TemplateFormatter } from '../../plugins/email/src/index.js';
import { parseSmtpUrl } from '../../plugins/email/src/smtp/smtp-target.js';

const ksa = createKsaService();
function formatter(language: 'ar' | 'en', calendarDisplay: 'gregorian' | 'hijri' | 'both' = 'both'): TemplateFormatter {
  const settings = ksa.validateLocaleSettings({ language, calendarDisplay });
  const f = createFormatter({ ...settings, calendar: ksa.calendar });
  return {
    date: (d) => f.date(d),
    dateTime: (i) => f.dateTime(i),
    hijri: (d) => f.hijriDate(d),
    gregorian: (d) => f.gregorianDate(d),
    number: (n) => f.number(n),
    money: (m, c) => f.money(m, c),
    localDate: (i) => new Date(Date.parse(i) + 3 * 3_600_000).toISOString().slice(0, 10),
  };
}
const render = (source: string, data: Record<string, unknown>, html = true, f = formatter('en', 'gregorian'), allowRaw = false) => renderTemplate(parseTemplate(source, { allowRaw }), data, { html, formatter: f });

t.test('the renderer: values escaped, sections, lists, filters', async (t) => {
  t.equal(render('<b>{{name}}</b>', { name: `<script>"x" & 'y'</script>` }), '<b>&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;</b>');
  t.equal(render('{{name}}', { name: '<b>' }, false), '<b>', 'as written in text and subjects');
  t.equal(render('{{a.b.c}}|{{a.x.c}}|{{missing}}', { a: { b: { c: 1 } } }), '1||');
  t.equal(render('{{obj}}', { obj: { a: 1 } }), '', 'an object shows nothing, not [object Object]');
  t.equal(render('{{#items}}[{{name}}:{{.}}]{{/items}}', { items: [{ name: 'a' }, { name: 'b' }] }), '[a:][b:]');
  t.equal(render('{{#tags}}<{{.}}>{{/tags}}', { tags: ['x', 'y'] }, false), '<x><y>');
  t.equal(render('{{#user}}{{name}} of {{company}}{{/user}}', { company: 'Acme', user: { name: 'Sara' } }), 'Sara of Acme', 'outer values are seen from inside');
  t.equal(render('{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}', { flag: false }), 'no');
  t.equal(render('{{#list}}x{{/list}}{{^list}}empty{{/list}}', { list: [] }), 'empty');
  t.equal(render('a{{! a comment }}b', {}), 'ab');
  t.equal(render('{{{html}}}', { html: '<hr>' }, true, undefined, true), '<hr>', 'raw only where allowed');
  t.throws(() => parseTemplate('{{{html}}}', { allowRaw: false }), /not allowed in tenant templates/);
  t.throws(() => parseTemplate('{{a b}}', { allowRaw: false }), /not a name/);
  t.throws(() => parseTemplate('{{x | money:dollars}}', { allowRaw: false }), /currency code/);
  t.throws(() => parseTemplate('{{=<% %>=}}', { allowRaw: false }), /not supported/);
  t.throws(() => parseTemplate('{{#a}}'.repeat(9) + '{{/a}}'.repeat(9), { allowRaw: false }), /nest/);

  const ar = formatter('ar', 'both');
  t.equal(render('{{n | number}}', { n: 1234567 }, true, ar), '١٬٢٣٤٬٥٦٧');
  t.equal(render('{{m | money}}', { m: 150050 }, true, ar), '١٬٥٠٠٫٥٠\u00a0ر.س');
  t.equal(render('{{m | money}}', { m: 150050, currency: 'USD' }, true, formatter('en')), '1,500.50\u00a0USD', "the data's currency");
  t.match(render('{{d | date}}', { d: '2026-03-01' }, true, ar), /رمضان ١٤٤٧ هـ.*مارس ٢٠٢٦|مارس ٢٠٢٦.*رمضان/, 'both calendars for a tenant that shows both');
  t.equal(render('{{d | hijri}}', { d: '2026-03-01' }, false, formatter('en')), '12 Ramadan 1447 AH');
  t.equal(render('{{d | gregorian}}', { d: '2026-03-01T22:00:00Z' }, false, formatter('en')), '2 March 2026', 'an instant: its date in the tenant zone');
  t.equal(render('{{d | date}}|{{m | money}}|{{n | number}}', { d: 'soon', m: 1.5, n: 'many' }), 'soon|1.5|many', 'what a filter cannot take is shown as given');
});

t.test('the layout: lang and dir, a document left alone, the text alternative', async (t) => {
  const doc = wrapHtml('<p>مرحبا</p>', 'ar', 'عنوان <مهم>');
  t.match(doc, /^<!DOCTYPE html>\n<html lang="ar" dir="rtl">/);
  t.match(doc, /<title>عنوان &lt;مهم&gt;<\/title>/);
  t.match(doc, /<body dir="rtl"/);
  t.match(wrapHtml('<p>Hi</p>', 'en', 's'), /<html lang="en" dir="ltr">/);
  const own = '<html><body><p>mine</p></body></html>';
  t.equal(wrapHtml(own, 'ar', 's'), own);
  t.equal(
    htmlToText('<html><head><title>x</title><style>p{}</style></head><body><h2>Title</h2><p>Line one<br>line two &amp; more&nbsp;&#1605;</p><ul><li>a</li><li>b</li></ul><p><a href="https://x.example/pay">Pay now</a> or <a href="https://y.example">https://y.example</a></p></body></html>'),
    'Title\n\nLine one\nline two & more م\n\n- a\n- b\n\nPay now (https://x.example/pay) or https://y.example',
  );
});

t.test('built-in notices parse, in both languages', async (t) => {
  for (const [name, locales] of Object.entries(BUILTIN_TEMPLATES)) {
    for (const [locale, body] of Object.entries(locales)) {
      t.doesNotThrow(() => parseTemplate(body.subject, { allowRaw: true }), `${name} ${locale} subject`);
      t.doesNotThrow(() => parseTemplate(body.html, { allowRaw: true }), `${name} ${locale} html`);
    }
  }
});

t.test('SMTP failures sorted into what the queue does', async (t) => {
  const cases: Array<[unknown, string, boolean, string[]]> = [
    [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication credentials invalid', command: 'AUTH PLAIN' }, 'EMAIL_SMTP_AUTH_FAILED', true, []],
    [{ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:1', command: 'CONN' }, 'EMAIL_SMTP_UNREACHABLE', true, []],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, 'EMAIL_SMTP_UNREACHABLE', true, []],
    [{ code: 'EMESSAGE', responseCode: 451, response: '451 4.3.0 Try again later', command: 'DATA' }, 'EMAIL_SMTP_TEMPORARY', true, []],
    [{ code: 'EMESSAGE', responseCode: 552, response: '552 Message too big', command: 'DATA' }, 'EMAIL_SMTP_REJECTED', false, []],
    [
      { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 no such user', rejectedErrors: [{ recipient: 'gone@x.example', responseCode: 550 }] },
      'EMAIL_RECIPIENT_REJECTED',
      false,
      ['gone@x.example'],
    ],
    [
      { code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO', response: '450 mailbox busy', rejectedErrors: [{ recipient: 'a@x.example', responseCode: 550 }, { recipient: 'b@x.example', responseCode: 450 }] },
      'EMAIL_SMTP_TEMPORARY',
      true,
      ['a@x.example'],
    ],
    [{ code: 'EPROTOCOL', responseCode: 503, response: '503 bad sequence', command: 'MAIL FROM' }, 'EMAIL_SMTP_UNREACHABLE', true, []],
    [EmailErrors.EMAIL_NOT_CONFIGURED(), 'EMAIL_NOT_CONFIGURED', true, []],
  ];
  for (const [err, code, retry, rejected] of cases) t.match(classifySmtpError(err), { code, retry, rejected }, code);
});

t.test('backoff doubles from the base, spread ±20 %, at most six hours', async (t) => {
  t.equal(backoffMs(1000, 1, 0.5), 1000);
  t.equal(backoffMs(1000, 4, 0.5), 8000);
  t.equal(backoffMs(1000, 3, 0), 3200);
  t.equal(backoffMs(1000, 3, 1), 4800);
  t.equal(backoffMs(60_000, 40, 0.5), 6 * 3_600_000);
});

t.test('addresses: plain ones only, Arabic domains too', async (t) => {
  for (const ok of ['a@b.example', 'first.last+tag@sub.example.sa', 'سارة@مثال.السعودية']) t.ok(isAddress(ok), ok);
  for (const bad of ['a', 'a@b', 'a b@c.example', 'a@b.example\r\nBcc: c@d.example', '"x"@y.example', '<a@b.example>', 'a@-b.example', '.a@b.example', 'a..b@c.example', `${'a'.repeat(65)}@b.example`]) t.notOk(isAddress(bad), JSON.stringify(bad));
  t.same(addressList(['A@b.example', 'a@B.example', 'c@d.example']), ['A@b.example', 'c@d.example'], 'duplicates by lower case dropped');
  t.same(parseMailbox('Dogan <no-reply@dogan.example>'), { name: 'Dogan', address: 'no-reply@dogan.example' });
  t.same(parseMailbox('"منصة دوغان" <no-reply@dogan.example>'), { name: 'منصة دوغان', address: 'no-reply@dogan.example' });
  t.same(parseMailbox('no-reply@dogan.example'), { name: null, address: 'no-reply@dogan.example' });
  t.throws(() => parseMailbox('Dogan <nope>'));
});

t.test('config: EMAIL_SMTP_URL needs a sender; the URL in parts', async (t) => {
  const problems: string[] = [];
  checkEmailConfig({ EMAIL_SMTP_URL: 'smtp://u:p@mail.example:587', EMAIL_FROM: undefined } as never, problems);
  t.match(problems, [/EMAIL_FROM/]);
  const bad: string[] = [];
  checkEmailConfig({ EMAIL_SMTP_URL: undefined, EMAIL_FROM: 'not an address' } as never, bad);
  t.match(bad, [/EMAIL_FROM/]);
  t.same(parseSmtpUrl('smtps://no-reply%40dogan.example:p%40ss@smtp.example.com'), { host: 'smtp.example.com', port: 465, security: 'tls', username: 'no-reply@dogan.example', password: 'p@ss' });
  t.same(parseSmtpUrl('smtp://mail.example:2525'), { host: 'mail.example', port: 2525, security: 'none', username: null, password: null });
});

t.test('every email error code is unique, EMAIL_ prefixed, exported under its own name, with a 4xx/5xx status', async (t) => {
  const codes = Object.values(EmailErrors).map((f) => f.code);
  t.equal(new Set(codes).size, codes.length);
  for (const [name, f] of Object.entries(EmailErrors)) {
    t.equal(f.code, name);
    t.match(f.code, /^EMAIL_[A-Z0-9_]+$/);
    t.ok(f.spec.status >= 400 && f.spec.status < 600 && f.spec.status !== 500, `${f.code} ${f.spec.status}`);
  }
});
