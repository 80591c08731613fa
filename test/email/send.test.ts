import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { freePort } from '../helpers/free-port.js';
import { emailApiRef } from '../../plugins/email/src/index.js';
import { caller, createTenant, messageIn, PROBLEM, startEmailKernel, useSink, waitFor } from './helpers.js';
import { startSmtpSink } from './smtp-sink.js';

/**
 * Sending through a tenant's own SMTP server, end to end: the settings keep the password to
 * themselves and check the login before saving; an Arabic template arrives as a mail client shows
 * it (subject and body intact in UTF-8, right to left, with a text alternative); an idempotency key
 * sends once; and a second tenant sees nothing of the first.
 */

const WELCOME = {
  ar: {
    subject: 'مرحبًا {{name}}، فاتورتك {{invoice}} جاهزة',
    html: '<p>عزيزنا {{name}}،</p><p>المبلغ المستحق {{total | money}} بتاريخ {{dueAt | date}}.</p>{{#items}}<p>- {{title}}</p>{{/items}}',
  },
  en: {
    subject: 'Hello {{name}}, invoice {{invoice}} is ready',
    html: '<p>Dear {{name}},</p><p>{{total | money}} is due on {{dueAt | date}}.</p>{{#items}}<p>- {{title}}</p>{{/items}}',
  },
};
const DATA = { name: 'نورة <b>العتيبي</b>', invoice: 'INV-2026-0007', total: 123456, dueAt: '2026-03-01', items: [{ title: 'استشارات' }, { title: 'دعم فني' }] };

void forEachEngine(t, 'a tenant sends Arabic and English mail through its own SMTP server', async (t, engine) => {
  const sink = await startSmtpSink({ auth: { user: 'acme-mailer', pass: 'كلمة-سر-s3cret' } });
  t.teardown(() => sink.close());
  const { app, logText } = await startEmailKernel(t, engine);
  const acme = await createTenant(app, 'acme', 'ar');
  const globex = await createTenant(app, 'globex', 'en');
  const call = caller(app, acme);
  const callGlobex = caller(app, globex);

  await t.test('settings: the login is checked before saving, the password never comes back', async (t) => {
    const empty = (await call('GET', '/email/settings')).json();
    t.match(empty, { smtp: null, usingPlatformDefault: true, platformDefaultAvailable: false, intakeSecretSet: false });
    const unsent = await call('POST', '/email/messages', { to: 'x@client.example', subject: 'hi', text: 'hi' });
    t.equal(unsent.statusCode, 409);
    t.match(unsent.headers['content-type'], PROBLEM);
    t.equal(unsent.json().code, 'EMAIL_NOT_CONFIGURED', 'no server anywhere: refused, not queued');

    const wrong = await call('PUT', '/email/settings', { host: sink.host, port: sink.port, security: 'none', username: 'acme-mailer', password: 'wrong', fromAddress: 'billing@acme.example' });
    t.equal(wrong.statusCode, 422);
    t.match(wrong.headers['content-type'], PROBLEM);
    t.equal(wrong.json().code, 'EMAIL_SMTP_AUTH_FAILED');
    t.match(wrong.json().detail, /535/, "the server's answer is in the detail");
    t.equal((await call('GET', '/email/settings')).json().smtp, null, 'and nothing was saved');

    const closed = await freePort();
    const unreachable = await call('PUT', '/email/settings', { host: '127.0.0.1', port: closed, security: 'none', fromAddress: 'billing@acme.example' });
    t.equal(unreachable.json().code, 'EMAIL_SMTP_UNREACHABLE');
    t.ok(unreachable.statusCode >= 400 && unreachable.statusCode < 600 && unreachable.statusCode !== 500);

    const saved = await useSink(call, sink, { username: 'acme-mailer', password: 'كلمة-سر-s3cret' });
    t.match(saved, { smtp: { host: sink.host, port: sink.port, security: 'none', username: 'acme-mailer', passwordSet: true }, usingPlatformDefault: false, noticeAddress: 'owner@acme.example' });
    t.notOk(JSON.stringify(saved).includes('s3cret'), 'the password is not in the answer');
    t.notOk(JSON.stringify((await call('GET', '/email/settings')).json()).includes('s3cret'), 'nor in the settings read back');
    const kept = await call('PUT', '/email/settings', { host: sink.host, port: sink.port, security: 'none', username: 'acme-mailer', fromAddress: 'billing@acme.example', fromName: 'أكمي', noticeAddress: 'owner@acme.example' });
    t.equal(kept.json().smtp.passwordSet, true, 'a save without the password keeps it');
    t.match((await call('POST', '/email/settings/test')).json(), { ok: true, server: `${sink.host}:${sink.port}`, usingPlatformDefault: false });
    t.equal((await call('PUT', '/email/settings', { host: 'not a host!', fromAddress: 'a@b.example' })).json().code, 'EMAIL_SETTINGS_INVALID');
    t.equal((await call('PUT', '/email/settings', { noticeAddress: 'not-an-address' })).json().code, 'EMAIL_ADDRESS_INVALID');
  });

  await t.test('an Arabic template arrives intact: UTF-8 subject and body, right to left, with a text alternative', async (t) => {
    t.equal((await call('PUT', '/email/templates/welcome', WELCOME)).statusCode, 200);
    const res = await call('POST', '/email/messages', { to: 'noura@client.example', template: 'welcome', data: DATA });
    t.equal(res.statusCode, 202);
    const queued = res.json();
    t.match(queued, { status: 'queued', to: ['noura@client.example'], template: 'welcome', locale: 'ar', source: 'api', attempts: 0 });
    const sent = await messageIn(call, queued.id, ['sent', 'failed']);
    t.equal(sent.status, 'sent');
    const [mail] = await sink.waitFor(1);
    const parsed = mail!.parsed;
    t.equal(mail!.user, 'acme-mailer', 'it logged in with the saved credentials');
    t.equal(parsed.subject, 'مرحبًا نورة <b>العتيبي</b>، فاتورتك INV-2026-0007 جاهزة', 'the Arabic subject, exactly');
    t.equal(sent.subject, parsed.subject, 'as recorded');
    t.match(mail!.raw.toString('latin1'), /^Subject: =\?UTF-8\?[BQ]\?/im, 'the header is MIME-encoded UTF-8, not raw bytes');
    t.match(parsed.from?.value[0], { address: 'billing@acme.example', name: 'أكمي' });
    t.equal(parsed.messageId, sent.messageId, 'the record holds the Message-ID the message carries');
    t.equal(parsed.headers.get('content-language'), 'ar');
    const html = String(parsed.html);
    t.match(html, /<html lang="ar" dir="rtl">/, 'the document is Arabic and right to left');
    t.match(html, /direction:rtl;text-align:right/);
    t.match(html, /نورة &lt;b&gt;العتيبي&lt;\/b&gt;/, 'values are escaped in HTML');
    t.match(html, /١٬٢٣٤٫٥٦/, 'money in Arabic-Indic digits');
    t.match(html, /<p>- استشارات<\/p><p>- دعم فني<\/p>/, 'a section repeats per item');
    const text = String(parsed.text);
    t.match(text, /عزيزنا نورة <b>العتيبي<\/b>،/, 'the text alternative has the body, unescaped');
    t.notMatch(text, /<p>/, 'and no markup');
    t.ok(parsed.attachments.length === 0);
  });

  await t.test('an English tenant gets left-to-right mail in English, and sees none of the first tenant', async (t) => {
    await useSink(callGlobex, sink, { username: 'acme-mailer', password: 'كلمة-سر-s3cret', fromAddress: 'hello@globex.example', fromName: 'Globex', noticeAddress: 'ops@globex.example' });
    t.equal((await callGlobex('GET', '/email/templates/welcome')).json().code, 'EMAIL_TEMPLATE_NOT_FOUND', "the first tenant's template is not there");
    t.equal((await callGlobex('PUT', '/email/templates/welcome', { en: WELCOME.en })).statusCode, 200);
    const res = await callGlobex('POST', '/email/messages', { to: 'sam@client.example', template: 'welcome', data: { ...DATA, name: 'Sam' } });
    const sent = await messageIn(callGlobex, res.json().id, ['sent']);
    t.match(sent, { locale: 'en', subject: 'Hello Sam, invoice INV-2026-0007 is ready' });
    const mail = (await sink.waitFor(2)).find((m) => m.to.includes('sam@client.example'))!;
    t.match(String(mail.parsed.html), /<html lang="en" dir="ltr">/);
    t.match(String(mail.parsed.text), /1,234\.56/, 'Latin digits in English');
    const listed = (await callGlobex('GET', '/email/messages')).json();
    t.same(listed.items.map((m: { to: string[] }) => m.to), [['sam@client.example']], 'its list holds its message only');
    const acmeMessage = (await call('GET', '/email/messages')).json().items[0];
    t.equal((await callGlobex('GET', `/email/messages/${acmeMessage.id}`)).statusCode, 404, "the first tenant's message is not found by id");
    t.equal((await callGlobex('GET', '/email/settings')).json().fromAddress, 'hello@globex.example');
  });

  await t.test('an idempotency key sends once: in the body, or as the Idempotency-Key header', async (t) => {
    const before = sink.messages.length;
    const body = { to: 'once@client.example', subject: 'مرة واحدة', text: 'نص', idempotencyKey: 'order-1' };
    const first = await call('POST', '/email/messages', body);
    const second = await call('POST', '/email/messages', { ...body, subject: 'changed' });
    t.equal(first.statusCode, 202);
    t.equal(second.statusCode, 200, 'the second send answers with the first message');
    t.equal(second.json().id, first.json().id);
    t.equal(second.json().subject, 'مرة واحدة');
    t.equal((await callGlobex('POST', '/email/messages', body)).statusCode, 202, "another tenant's key is its own");

    const headers = { 'idempotency-key': 'req-7' };
    const a = await call('POST', '/email/messages', { to: 'hdr@client.example', subject: 's', text: 't' }, headers);
    const b = await call('POST', '/email/messages', { to: 'hdr@client.example', subject: 's', text: 't' }, headers);
    t.equal(a.statusCode, 202);
    t.equal(b.headers['idempotent-replayed'], 'true', 'the header replays the answer');
    t.equal(b.json().id, a.json().id);
    const reused = await call('POST', '/email/messages', { to: 'other@client.example', subject: 's', text: 't' }, headers);
    t.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED');
    await messageIn(call, a.json().id, ['sent']);
    await messageIn(call, first.json().id, ['sent']);
    await sink.waitFor(before + 3);
    t.equal(sink.to('once@client.example').length, 2, 'one per tenant');
    t.equal(sink.to('hdr@client.example').length, 1);
  });

  await t.test('bad input is a 4xx problem, never a 500', async (t) => {
    const cases: Array<[unknown, string]> = [
      [{ to: 'nobody', subject: 's', text: 't' }, 'EMAIL_ADDRESS_INVALID'],
      [{ to: 'a@b.example' }, 'EMAIL_MESSAGE_INVALID'],
      [{ to: 'a@b.example', template: 'missing' }, 'EMAIL_TEMPLATE_NOT_FOUND'],
      [{ to: 'a@b.example', subject: 's', text: 't', locale: 'fr' }, 'VALIDATION_FAILED'],
      [{ to: Array.from({ length: 51 }, (_, i) => `r${i}@b.example`), subject: 's', text: 't' }, 'VALIDATION_FAILED'],
      [{ to: 'a@b.example', subject: 'x\r\nBcc: evil@example.com', text: 't', replyTo: 'evil@example.com\r\nBcc: x@y.z' }, 'EMAIL_ADDRESS_INVALID'],
    ];
    for (const [body, code] of cases) {
      const res = await call('POST', '/email/messages', body);
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${code}: ${res.statusCode}`);
      t.match(res.headers['content-type'], PROBLEM);
      t.equal(res.json().code, code);
    }
    const injected = await call('POST', '/email/messages', { to: 'inject@client.example', subject: 'x\r\nBcc: evil@example.com', text: 't' });
    const sent = await messageIn(call, injected.json().id, ['sent']);
    t.equal(sent.subject, 'x Bcc: evil@example.com', 'a line break in a subject cannot start a header');
    const mail = (await sink.waitFor(sink.messages.length)).find((m) => m.to.includes('inject@client.example'))!;
    t.same(mail.to, ['inject@client.example'], 'and adds no recipient');
  });

  t.notOk(logText().includes('s3cret'), 'the password is never logged');
  t.notOk(logText().includes('wrong"'), 'nor the wrong one');
});

void forEachEngine(t, "a tenant without settings sends through the platform's server, and plugins send through EmailApi", async (t, engine) => {
  const sink = await startSmtpSink({ auth: { user: 'platform', pass: 'p@ss:word' } });
  t.teardown(() => sink.close());
  const { kernel, app, logText } = await startEmailKernel(t, engine, {
    env: { EMAIL_SMTP_URL: `smtp://platform:${encodeURIComponent('p@ss:word')}@${sink.host}:${sink.port}`, EMAIL_FROM: 'Dogan <no-reply@dogan.example>' },
  });
  const acme = await createTenant(app, 'acme', 'ar');
  const globex = await createTenant(app, 'globex', 'en');
  const call = caller(app, acme);
  const email = kernel.host.service(emailApiRef);

  t.match((await call('GET', '/email/settings')).json(), { smtp: null, usingPlatformDefault: true, platformDefaultAvailable: true });
  t.match((await call('POST', '/email/settings/test')).json(), { ok: true, server: `${sink.host}:${sink.port}`, usingPlatformDefault: true });
  t.same(await email.billingContact(acme.id), null, 'no notice address yet: no billing contact');
  t.equal((await call('PUT', '/email/settings', { fromName: 'أكمي', replyTo: 'support@acme.example', noticeAddress: 'owner@acme.example' })).statusCode, 200, 'settings without a server of its own');
  t.same(await email.billingContact(acme.id), { address: 'owner@acme.example', locale: 'ar' });
  t.same(await email.billingContact(globex.id), null, "the first tenant's contact is not the second's");

  const view = await email.send(acme.id, { to: 'client@client.example', subject: 'من خادم المنصة', text: 'مرحبا', source: 'workflow:wf-1', idempotencyKey: 'wf-1:step-2' });
  t.match(view, { status: 'queued', source: 'workflow:wf-1', locale: 'ar' });
  t.equal((await email.send(acme.id, { to: 'client@client.example', subject: 'again', text: 'x', idempotencyKey: 'wf-1:step-2' })).id, view.id, 'a resumed workflow step sends nothing twice');
  const mail = (await sink.waitFor(1))[0]!;
  t.equal(mail.user, 'platform', "the platform's credentials");
  t.match(mail.parsed.from?.value[0], { address: 'no-reply@dogan.example', name: 'أكمي' }, "the platform's address, with the tenant's name");
  t.equal(mail.parsed.replyTo?.value[0]?.address, 'support@acme.example', 'replies go to the tenant');
  const sent = await waitFor('the message to be sent', async () => {
    const v = await email.get(acme.id, view.id);
    return v?.status === 'sent' && v;
  });
  t.equal(sent.messageId, mail.parsed.messageId);
  t.equal(await email.get(globex.id, view.id), undefined, 'another tenant gets nothing for the id');
  t.equal(await email.get(acme.id, '00000000-0000-0000-0000-000000000000'), undefined);
  await t.rejects(email.send(acme.id, { to: 'nobody', subject: 's', text: 't' }), { code: 'EMAIL_ADDRESS_INVALID' });
  t.notOk(logText().includes('p@ss:word') || logText().includes(encodeURIComponent('p@ss:word')), "the platform's password is never logged");
});
