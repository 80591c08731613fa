import t from 'tap';
import { InboundErrors } from '../../plugins/email/src/inbound/errors.js';
import { imapError } from '../../plugins/email/src/inbound/imap/imap-connection.js';
import { hashSecret, presentedSecret, secretMatches } from '../../plugins/email/src/inbound/intake/inbound-secret.js';
import { displayName, parseAddressText } from '../../plugins/email/src/inbound/mail/addresses.js';
import { parseMultipartForm } from '../../plugins/email/src/inbound/mail/multipart-form.js';
import { parseInbound } from '../../plugins/email/src/inbound/mail/parse-inbound.js';
import type { ReceivedMail } from '../../plugins/email/src/inbound/mail/received-mail.js';
import { receivedPayload, truncateUtf8 } from '../../plugins/email/src/inbound/mail/received-payload.js';
import { dedupKey } from '../../plugins/email/src/inbound/store/message-store.js';

/** The pure parts of inbound mail: addresses, formats, the event's size, secrets, IMAP failures. */

t.test('every error code is unique, prefixed and exported under its own name', async (t) => {
  const codes = Object.values(InboundErrors).map((f) => f.code);
  t.equal(new Set(codes).size, codes.length);
  for (const [name, f] of Object.entries(InboundErrors)) {
    t.equal(f.code, name);
    t.match(f.code, /^EMAIL_(INBOUND|IMAP)_[A-Z_]+$/);
    t.ok(f.spec.status >= 400 && f.spec.status < 600);
  }
});

t.test('senders are read from what the header says, never made up', async (t) => {
  const cases: Array<[string, Array<{ address: string | null; name: string | null }>]> = [
    ['"Ali Hassan" <ali@example.sa>', [{ address: 'ali@example.sa', name: 'Ali Hassan' }]],
    ['ali@example.sa (Ali Hassan)', [{ address: 'ali@example.sa', name: 'Ali Hassan' }]],
    ['<ali@example.sa>', [{ address: 'ali@example.sa', name: null }]],
    ['=?UTF-8?Q?Jos=C3=A9?= <jose@example.es>', [{ address: 'jose@example.es', name: 'José' }]],
    ['=?UTF-8?B?2LnZhNmK?= <ali@example.sa>', [{ address: 'ali@example.sa', name: 'علي' }]],
    ['"ali@example.sa" <ali@example.sa>', [{ address: 'ali@example.sa', name: null }]],
    ['"" <a@example.sa>', [{ address: 'a@example.sa', name: null }]],
    ['Team: a@example.sa, "B" <b@example.sa>;', [{ address: 'a@example.sa', name: null }, { address: 'b@example.sa', name: 'B' }]],
    ['Undisclosed recipients:;', []],
    ['', []],
  ];
  for (const [header, want] of cases) t.same(parseAddressText(header), want, header);
  t.equal(displayName({ address: 'a@example.sa', name: null }), 'a@example.sa');
  t.equal(displayName({ address: 'a@example.sa', name: 'A' }), 'A');
  t.equal(displayName(null), null);
});

t.test('formats are chosen by Content-Type; others are a 415', async (t) => {
  const mime = Buffer.from('From: a@example.sa\r\nSubject: s\r\nMessage-ID: <m@x>\r\n\r\nhi\r\n');
  t.equal((await parseInbound(mime, 'message/rfc822', 1024)).provider, 'mime');
  t.equal((await parseInbound(Buffer.from(JSON.stringify({ From: 'a@example.sa', Subject: 's' })), 'application/json; charset=utf-8', 1024)).provider, 'postmark');
  await t.rejects(parseInbound(Buffer.from('<xml/>'), 'application/xml', 1024), { code: 'EMAIL_INBOUND_UNSUPPORTED_TYPE', statusCode: 415 });
  await t.rejects(parseInbound(Buffer.from('{"nothing": 1}'), 'application/json', 1024), { code: 'EMAIL_INBOUND_BODY_INVALID' });
  await t.rejects(parseInbound(Buffer.from('{not json'), 'application/json', 1024), { code: 'EMAIL_INBOUND_BODY_INVALID' });
  await t.rejects(parseInbound(Buffer.from('just words, no headers'), 'message/rfc822', 1024), { code: 'EMAIL_INBOUND_BODY_INVALID' });
  await t.rejects(parseInbound(Buffer.alloc(0), 'message/rfc822', 1024), { code: 'EMAIL_INBOUND_BODY_INVALID' });
});

t.test('multipart forms: parts with names and files; a form without its closing boundary is refused', async (t) => {
  const body = Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n--x\r\nContent-Disposition: form-data; name="f"; filename="r.txt"\r\nContent-Type: text/plain\r\n\r\ntwo\r\nlines\r\n--x--\r\n');
  const parts = parseMultipartForm(body, 'multipart/form-data; boundary=x');
  t.same(
    parts.map((p) => ({ ...p, content: p.content.toString() })),
    [
      { name: 'a', filename: null, contentType: null, content: 'one' },
      { name: 'f', filename: 'r.txt', contentType: 'text/plain', content: 'two\r\nlines' },
    ],
  );
  t.throws(() => parseMultipartForm(Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\none'), 'multipart/form-data; boundary=x'), { code: 'EMAIL_INBOUND_BODY_INVALID' });
  t.throws(() => parseMultipartForm(body, 'multipart/form-data'), { code: 'EMAIL_INBOUND_BODY_INVALID' });
});

function mail(extra: Partial<ReceivedMail> = {}): ReceivedMail {
  return {
    provider: 'mime',
    messageId: '<m@x>',
    from: { address: 'a@example.sa', name: null },
    to: [],
    cc: [],
    replyTo: [],
    subject: 's',
    text: 't',
    html: null,
    date: null,
    inReplyTo: null,
    attachments: [],
    fallbackKey: 'sha256:0',
    sizeBytes: 1,
    ...extra,
  };
}

const payloadOf = (m: ReceivedMail, inline = 16_384) => receivedPayload({ id: 'i', tenantId: 't', source: 'webhook', mail: m, receivedAt: new Date(0), inlineAttachmentBytes: inline });

t.test('an event carries what fits in one event, and says what it cut', async (t) => {
  t.same(truncateUtf8('عربي', 5), { text: 'عر', truncated: true }, 'never half a character');
  const long = payloadOf(mail({ text: 'ن'.repeat(200_000), html: `<p>${'x'.repeat(200_000)}</p>` }));
  t.equal(long.textTruncated, true);
  t.equal(long.htmlTruncated, true);
  t.ok(Buffer.byteLength(JSON.stringify(long)) < 256 * 1024, 'within the events plugin limit');
  const attachments = Array.from({ length: 10 }, (_, i) => ({ filename: `f${i}`, contentType: 'application/octet-stream', contentId: null, content: Buffer.alloc(10_000, i) }));
  const inline = payloadOf(mail({ attachments }));
  const carried = inline.attachments.filter((a) => a.contentBase64 !== undefined);
  t.ok(carried.length > 0 && carried.length < 10, `inline content up to the event's budget (${carried.length} of 10)`);
  t.match(inline.attachments[9], { part: 10, size: 10_000, downloadPath: '/api/v1/t/email/inbound/messages/i/attachments/10' });
  t.equal(payloadOf(mail({ attachments }), 0).attachments.filter((a) => a.contentBase64 !== undefined).length, 0, 'EMAIL_INBOUND_INLINE_ATTACHMENT_BYTES=0 carries none');
});

t.test('receipts are keyed by Message-ID, else by what identifies the mail', async (t) => {
  t.equal(dedupKey(mail()), 'mid:<m@x>');
  t.equal(dedupKey(mail({ messageId: null, fallbackKey: 'postmark:abc' })), 'postmark:abc');
  t.match(dedupKey(mail({ messageId: `<${'x'.repeat(500)}@x>` })), /^mid-sha256:[0-9a-f]{64}$/);
});

t.test('the secret is taken from its header or from basic authentication, and compared by hash', async (t) => {
  const hash = hashSecret('eminb_s3cret');
  t.equal(presentedSecret({ 'x-dogan-inbound-secret': 'eminb_s3cret' }), 'eminb_s3cret');
  t.equal(presentedSecret({ authorization: `Basic ${Buffer.from('inbound:eminb_s3cret').toString('base64')}` }), 'eminb_s3cret');
  t.equal(presentedSecret({ authorization: 'Bearer eminb_s3cret' }), undefined, 'a bearer token is not the secret');
  t.ok(secretMatches(hash, 'eminb_s3cret'));
  t.notOk(secretMatches(hash, 'eminb_s3cres'));
  t.notOk(secretMatches(hash, undefined));
});

t.test('IMAP failures become the table codes', async (t) => {
  const target = { host: 'imap.example.sa', port: 993, mailbox: 'INBOX' };
  t.equal(imapError(Object.assign(new Error('Command failed'), { authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' }), target).code, 'EMAIL_IMAP_AUTH_FAILED');
  t.equal(imapError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), target).code, 'EMAIL_IMAP_UNREACHABLE');
  t.equal(imapError(Object.assign(new Error('timeout'), { code: 'CONNECT_TIMEOUT' }), target).code, 'EMAIL_IMAP_UNREACHABLE');
  t.equal(imapError(Object.assign(new Error('self signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), target).code, 'EMAIL_IMAP_TLS_FAILED');
  t.equal(imapError(Object.assign(new Error('no mailbox'), { mailboxMissing: true }), target).code, 'EMAIL_IMAP_MAILBOX_NOT_FOUND');
  t.equal(imapError(new Error('odd'), target).code, 'EMAIL_IMAP_FAILED');
  const own = InboundErrors.EMAIL_IMAP_NOT_CONFIGURED();
  t.equal(imapError(own, target), own, 'our own errors pass through');
});
