import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { startInboundKernel, waitFor } from './inbound-helpers.js';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';

/**
 * Mail posted by providers (Postmark JSON, raw MIME, SendGrid's form) becomes one `email.received`
 * per Message-ID, for the tenant whose secret it carries and no other, through the email plugin as
 * the platform loads it.
 */

const PROBLEM = /^application\/problem\+json/;
const MAX_BYTES = 64 * 1024;
const MAX_ATTACHMENT = 24 * 1024;

function startKernel(t: Test, engine: TestEngine) {
  // The kernel's own body limit below the mail's: the intake's limit is the one that counts.
  return startInboundKernel(t, engine, { DOGAN_BODY_LIMIT: '16384', EMAIL_INBOUND_MAX_BYTES: String(MAX_BYTES), EMAIL_INBOUND_MAX_ATTACHMENT_BYTES: String(MAX_ATTACHMENT), EMAIL_INBOUND_INLINE_ATTACHMENT_BYTES: '4096' });
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A PDF-looking attachment: bytes that are not text. */
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 37) % 256))]);
const ARABIC_SUBJECT = 'طلب عرض سعر للمشروع';
const ARABIC_NAME = 'أحمد العتيبي';
const ARABIC_TEXT = 'السلام عليكم، نرغب في الحصول على عرض سعر.';

/** A raw message as a mail server hands it over: Arabic subject and sender name as RFC 2047 encoded words, a PDF attached. */
function arabicMime(messageId: string): string {
  return [
    `From: =?UTF-8?B?${b64(ARABIC_NAME)}?= <ahmed@example.sa>`,
    'To: "Sales" <sales@acme.example>, support@acme.example',
    `Subject: =?UTF-8?B?${b64(ARABIC_SUBJECT)}?=`,
    `Message-ID: ${messageId}`,
    'Date: Sun, 01 Jun 2025 09:30:00 +0300',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    b64(ARABIC_TEXT),
    '--b1',
    'Content-Type: application/pdf; name="quote-request.pdf"',
    'Content-Disposition: attachment; filename="quote-request.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    b64(PDF).replace(/.{76}/g, '$&\r\n'),
    '--b1--',
    '',
  ].join('\r\n');
}

function postmark(messageId: string, extra: Record<string, unknown> = {}) {
  return {
    FromName: 'Sara Al-Qahtani',
    MessageStream: 'inbound',
    From: 'sara@example.sa',
    FromFull: { Email: 'sara@example.sa', Name: 'Sara Al-Qahtani', MailboxHash: '' },
    To: '"Acme Sales" <sales@acme.example>',
    ToFull: [{ Email: 'sales@acme.example', Name: 'Acme Sales', MailboxHash: '' }],
    Cc: '',
    CcFull: [],
    Subject: 'Quote for 40 laptops',
    MessageID: '73e6d360-66eb-11e1-8e72-a8904824019b',
    Date: 'Mon, 2 Jun 2025 10:00:00 +0300',
    TextBody: 'Please send a quote.',
    HtmlBody: '<p>Please send a quote.</p>',
    Headers: [
      { Name: 'Message-ID', Value: messageId },
      { Name: 'X-Spam-Status', Value: 'No' },
    ],
    Attachments: [{ Name: 'specs.txt', Content: b64('40 laptops, 16 GB'), ContentType: 'text/plain', ContentLength: 17 }],
    ...extra,
  };
}

type Tenant = Awaited<ReturnType<typeof createTenantWithKey>> & { secret: string };

async function tenantWithSecret(app: FastifyInstance, subdomain: string): Promise<Tenant> {
  const tenant = await createTenantWithKey(app, { name: subdomain, subdomain });
  const res = await app.inject({ method: 'POST', url: `/api/v1/${subdomain}/email/inbound/secret`, headers: tenant.headers });
  if (res.statusCode !== 200) throw new Error(`secret not made: ${res.statusCode} ${res.body}`);
  return { ...tenant, secret: (res.json() as { secret: string }).secret };
}

function post(app: FastifyInstance, tenant: { subdomain: string }, body: string | Buffer | object, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url: `/api/webhooks/email/${tenant.subdomain}/inbound`, headers, payload: typeof body === 'object' && !Buffer.isBuffer(body) ? JSON.stringify(body) : body });
}

const json = (secret: string) => ({ 'content-type': 'application/json', 'x-dogan-inbound-secret': secret });
const mime = (secret: string) => ({ 'content-type': 'message/rfc822', authorization: `Basic ${b64(`inbound:${secret}`)}` });

forEachEngine(t, 'inbound mail posted by providers', async (t, engine) => {
  const { app, events } = await startKernel(t, engine);
  const a = await tenantWithSecret(app, 'inbound-a');
  const b = await tenantWithSecret(app, 'inbound-b');
  const eventsOf = (tenant: { id: string }) => events.filter((e) => e.tenantId === tenant.id);

  await t.test('settings show the URL and that a secret is set, never the secret', async (t) => {
    const res = await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound`, headers: a.headers });
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.match(body.url, /\/api\/webhooks\/email\/inbound-a\/inbound$/);
    t.equal(body.secret.set, true);
    t.equal(body.secret.hint, a.secret.slice(-4));
    t.notOk(res.body.includes(a.secret), 'the secret is not in the settings');
    t.same(body.limits, { maxBytes: MAX_BYTES, maxAttachmentBytes: MAX_ATTACHMENT, inlineAttachmentBytes: 4096 });
  });

  await t.test('Postmark JSON becomes email.received with sender, recipients, text and attachment', async (t) => {
    const res = await post(app, a, postmark('<pm-1@mail.example.sa>'), json(a.secret));
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().outcome, 'recorded');
    const [event] = await waitFor('the Postmark mail event', () => eventsOf(a).length >= 1 && eventsOf(a));
    t.equal(event!.type, 'email.received');
    const p = event!.payload;
    t.equal(p.id, res.json().id);
    t.same(p.from, { address: 'sara@example.sa', name: 'Sara Al-Qahtani', displayName: 'Sara Al-Qahtani' });
    t.same(p.to, [{ address: 'sales@acme.example', name: 'Acme Sales' }]);
    t.equal(p.subject, 'Quote for 40 laptops');
    t.equal(p.text, 'Please send a quote.');
    t.equal(p.html, '<p>Please send a quote.</p>');
    t.equal(p.messageId, '<pm-1@mail.example.sa>');
    t.equal(p.provider, 'postmark');
    t.equal(p.source, 'webhook');
    t.equal(p.date, '2025-06-02T07:00:00.000Z');
    t.equal(p.attachments.length, 1);
    t.match(p.attachments[0], { part: 1, filename: 'specs.txt', contentType: 'text/plain', size: 17, sha256: sha256(Buffer.from('40 laptops, 16 GB')), contentBase64: b64('40 laptops, 16 GB') });
  });

  await t.test('raw MIME with an RFC 2047 Arabic subject and a PDF: decoded, the PDF stored and downloadable', async (t) => {
    const res = await post(app, a, arabicMime('<ar-1@mail.example.sa>'), mime(a.secret));
    t.equal(res.statusCode, 200, res.body);
    const event = await waitFor('the MIME mail event', () => eventsOf(a).find((e) => e.payload.messageId === '<ar-1@mail.example.sa>'));
    const p = event.payload;
    t.equal(p.subject, ARABIC_SUBJECT);
    t.same(p.from, { address: 'ahmed@example.sa', name: ARABIC_NAME, displayName: ARABIC_NAME });
    t.same(p.to, [
      { address: 'sales@acme.example', name: 'Sales' },
      { address: 'support@acme.example', name: null },
    ]);
    t.equal(p.text?.trim(), ARABIC_TEXT);
    t.equal(p.provider, 'mime');
    t.equal(p.attachments.length, 1);
    const pdf = p.attachments[0]!;
    t.match(pdf, { filename: 'quote-request.pdf', contentType: 'application/pdf', size: PDF.length, sha256: sha256(PDF) });
    t.notOk('contentBase64' in pdf, 'above the inline limit: referenced, not carried');
    const download = await app.inject({ url: pdf.downloadPath, headers: a.headers });
    t.equal(download.statusCode, 200);
    t.equal(download.headers['content-type'], 'application/pdf');
    t.match(String(download.headers['content-disposition']), /^attachment; filename="quote-request.pdf"/);
    t.equal(sha256(download.rawPayload), sha256(PDF), 'the bytes that were sent');
    t.equal((await app.inject({ url: pdf.downloadPath, headers: b.headers })).statusCode, 403, "another tenant's key cannot read it");
  });

  await t.test('a sender without a display name is its address, never "Unknown"', async (t) => {
    const raw = 'From: khalid@example.sa\r\nTo: sales@acme.example\r\nSubject: hello\r\nMessage-ID: <bare-1@example.sa>\r\n\r\nHi\r\n';
    t.equal((await post(app, a, raw, mime(a.secret))).statusCode, 200);
    const event = await waitFor('the bare sender event', () => eventsOf(a).find((e) => e.payload.messageId === '<bare-1@example.sa>'));
    t.same(event.payload.from, { address: 'khalid@example.sa', name: null, displayName: 'khalid@example.sa' });
    // Postmark with the name only in FromName, and From a full header with a comment name.
    const res = await post(app, a, postmark('<pm-name@x>', { FromFull: undefined, From: 'noura@example.sa', FromName: 'Noura', Attachments: [] }), json(a.secret));
    t.equal(res.statusCode, 200);
    const named = await waitFor('the FromName event', () => eventsOf(a).find((e) => e.payload.messageId === '<pm-name@x>'));
    t.same(named.payload.from, { address: 'noura@example.sa', name: 'Noura', displayName: 'Noura' });
    t.notOk(events.some((e) => JSON.stringify(e.payload.from).includes('Unknown')));
  });

  await t.test('a wrong or missing secret is a 401 problem, and nothing is recorded', async (t) => {
    const before = (await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound/messages`, headers: a.headers })).json().total;
    for (const headers of [json('eminb_wrong'), { 'content-type': 'application/json' }, json(b.secret), mime(`${a.secret}x`), { 'content-type': 'application/json', authorization: a.headers.authorization! }]) {
      const res = await post(app, a, postmark('<refused@x>'), headers);
      t.equal(res.statusCode, 401);
      t.match(res.headers['content-type'], PROBLEM);
      t.equal(res.json().code, 'EMAIL_INBOUND_UNAUTHORIZED');
    }
    t.equal((await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound/messages`, headers: a.headers })).json().total, before);
    t.notOk(events.some((e) => e.payload.messageId === '<refused@x>'));
  });

  await t.test('oversized mail and oversized attachments are 413 EMAIL_INBOUND_TOO_LARGE, nothing recorded', async (t) => {
    const big = postmark('<big@x>', { TextBody: 'x'.repeat(MAX_BYTES + 10) });
    const res = await post(app, a, big, json(a.secret));
    t.equal(res.statusCode, 413);
    t.match(res.headers['content-type'], PROBLEM);
    t.equal(res.json().code, 'EMAIL_INBOUND_TOO_LARGE');
    const attachment = postmark('<big-attachment@x>', { Attachments: [{ Name: 'big.bin', Content: b64(Buffer.alloc(MAX_ATTACHMENT + 1, 7)), ContentType: 'application/octet-stream' }] });
    const res2 = await post(app, a, attachment, json(a.secret));
    t.equal(res2.statusCode, 413);
    t.equal(res2.json().code, 'EMAIL_INBOUND_TOO_LARGE');
    // A sentinel after them: once it is published, anything recorded before would be too.
    t.equal((await post(app, a, postmark('<after-big@x>', { Attachments: [] }), json(a.secret))).statusCode, 200);
    await waitFor('the sentinel event', () => eventsOf(a).find((e) => e.payload.messageId === '<after-big@x>'));
    t.notOk(events.some((e) => ['<big@x>', '<big-attachment@x>'].includes(e.payload.messageId ?? '')));
    const list = (await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound/messages`, headers: a.headers })).json();
    t.notOk(list.items.some((m: { messageId: string }) => m.messageId === '<big@x>' || m.messageId === '<big-attachment@x>'));
  });

  await t.test('the same Message-ID posted again, in any format, is one event', async (t) => {
    const first = events.find((e) => e.payload.messageId === '<ar-1@mail.example.sa>')!;
    const again = await post(app, a, arabicMime('<ar-1@mail.example.sa>'), mime(a.secret));
    t.equal(again.statusCode, 200);
    t.same(again.json(), { outcome: 'duplicate', id: first.payload.id, eventId: first.id }, 'names the mail received first');
    const asJson = await post(app, a, postmark('<ar-1@mail.example.sa>', { Attachments: [] }), json(a.secret));
    t.equal(asJson.json().outcome, 'duplicate');
    t.equal((await post(app, a, postmark('<after-dup@x>', { Attachments: [] }), json(a.secret))).statusCode, 200);
    await waitFor('the sentinel event', () => eventsOf(a).find((e) => e.payload.messageId === '<after-dup@x>'));
    t.equal(events.filter((e) => e.payload.messageId === '<ar-1@mail.example.sa>').length, 1);
  });

  await t.test('a mail above the kernel body limit but within EMAIL_INBOUND_MAX_BYTES is taken; NUL characters are dropped', async (t) => {
    const long = 'السطر '.repeat(4000);
    const raw = `From: Reem <reem@example.sa>\r\nSubject: long\u0000 one\r\nMessage-ID: <long@x>\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${long}\u0000end\r\n`;
    t.ok(Buffer.byteLength(raw) > 16384 && Buffer.byteLength(raw) < MAX_BYTES);
    const res = await post(app, a, raw, mime(a.secret));
    t.equal(res.statusCode, 200, res.body);
    const event = await waitFor('the long mail event', () => eventsOf(a).find((e) => e.payload.messageId === '<long@x>'));
    t.equal(event.payload.subject, 'long one');
    t.equal(event.payload.text?.trimEnd(), `${long}end`, 'the whole text, without the NUL');
    t.equal(event.payload.textTruncated, false);
  });

  await t.test('SendGrid Inbound Parse: the raw `email` field, and the parsed fields', async (t) => {
    const form = (parts: Array<{ name: string; value: string | Buffer; filename?: string; type?: string }>) => {
      const chunks = parts.flatMap((p) => [
        Buffer.from(`--sgb\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`),
        Buffer.from(p.value),
        Buffer.from('\r\n'),
      ]);
      return Buffer.concat([...chunks, Buffer.from('--sgb--\r\n')]);
    };
    const headers = { 'content-type': 'multipart/form-data; boundary=sgb', 'x-dogan-inbound-secret': a.secret };
    const raw = await post(app, a, form([{ name: 'email', value: arabicMime('<sg-raw@x>') }, { name: 'to', value: 'sales@acme.example' }]), headers);
    t.equal(raw.statusCode, 200, raw.body);
    const parsed = await post(
      app,
      a,
      form([
        { name: 'headers', value: 'Message-ID: <sg-parsed@x>\r\nDate: Tue, 3 Jun 2025 08:00:00 +0000\r\n' },
        { name: 'from', value: 'Faisal <faisal@example.sa>' },
        { name: 'to', value: 'sales@acme.example' },
        { name: 'subject', value: 'عرض' },
        { name: 'text', value: 'نص' },
        { name: 'attachments', value: '1' },
        { name: 'attachment-info', value: JSON.stringify({ attachment1: { filename: 'a.txt', type: 'text/plain' } }) },
        { name: 'attachment1', value: 'hello', filename: 'a.txt', type: 'text/plain' },
      ]),
      headers,
    );
    t.equal(parsed.statusCode, 200, parsed.body);
    const rawEvent = await waitFor('the SendGrid raw event', () => eventsOf(a).find((e) => e.payload.messageId === '<sg-raw@x>'));
    t.equal(rawEvent.payload.subject, ARABIC_SUBJECT);
    t.equal(rawEvent.payload.provider, 'sendgrid');
    const parsedEvent = await waitFor('the SendGrid parsed event', () => eventsOf(a).find((e) => e.payload.messageId === '<sg-parsed@x>'));
    t.match(parsedEvent.payload, { subject: 'عرض', text: 'نص', from: { address: 'faisal@example.sa', name: 'Faisal' }, date: '2025-06-03T08:00:00.000Z' });
    t.match(parsedEvent.payload.attachments, [{ filename: 'a.txt', contentType: 'text/plain', size: 5, contentBase64: b64('hello') }]);
  });

  await t.test('the received mail is listed and read through the API', async (t) => {
    const list = (await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound/messages?limit=2`, headers: a.headers })).json();
    t.equal(list.items.length, 2);
    t.ok(list.nextCursor, 'a next page');
    const next = (await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound/messages?limit=200&before=${encodeURIComponent(list.nextCursor)}`, headers: a.headers })).json();
    t.equal(list.items.length + next.items.length, list.total, 'the pages cover every mail once');
    const arabic = [...list.items, ...next.items].find((m: { messageId: string }) => m.messageId === '<ar-1@mail.example.sa>');
    const one = (await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound/messages/${arabic.id}`, headers: a.headers })).json();
    t.equal(one.subject, ARABIC_SUBJECT);
    t.equal(one.text.trim(), ARABIC_TEXT);
    t.match(one.attachments, [{ part: 1, filename: 'quote-request.pdf', size: PDF.length, sha256: sha256(PDF) }]);
    const settings = (await app.inject({ url: `/api/v1/${a.subdomain}/email/inbound`, headers: a.headers })).json();
    t.equal(settings.receivedCount, list.total);
  });

  await t.test('the second tenant sees nothing of the first', async (t) => {
    t.same(eventsOf(b), [], 'no event for tenant b');
    const list = (await app.inject({ url: `/api/v1/${b.subdomain}/email/inbound/messages`, headers: b.headers })).json();
    t.same(list.items, []);
    t.equal(list.total, 0);
    const anyOfA = events.find((e) => e.tenantId === a.id)!;
    const res = await app.inject({ url: `/api/v1/${b.subdomain}/email/inbound/messages/${anyOfA.payload.id}`, headers: b.headers });
    t.equal(res.statusCode, 404);
    t.equal(res.json().code, 'EMAIL_INBOUND_MESSAGE_NOT_FOUND');
    // The same Message-ID is new mail for another tenant.
    const own = await post(app, b, postmark('<pm-1@mail.example.sa>'), json(b.secret));
    t.equal(own.json().outcome, 'recorded');
    await waitFor("tenant b's own event", () => eventsOf(b).length === 1);
  });

  await t.test('rotating the secret stops the old one at once', async (t) => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/${a.subdomain}/email/inbound/secret`, headers: a.headers });
    const { secret, urlWithSecret } = res.json();
    t.not(secret, a.secret);
    t.match(urlWithSecret, new RegExp(`^http://inbound:${secret}@`));
    t.equal((await post(app, a, postmark('<rot@x>'), json(a.secret))).statusCode, 401);
    t.equal((await post(app, a, postmark('<rot@x>'), json(secret))).statusCode, 200);
    const readOnly = await createTenantWithKey(app, { name: 'inbound-c', subdomain: 'inbound-c' }, ['read']);
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/${readOnly.subdomain}/email/inbound/secret`, headers: readOnly.headers })).statusCode, 403, 'rotation needs admin');
  });
});
