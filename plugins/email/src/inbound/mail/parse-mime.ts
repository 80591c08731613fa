import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { InboundErrors } from '../errors.js';
import { fromAddressObjects } from './addresses.js';
import { dateOrNull, textOrNull, type MailProvider, type ReceivedMail } from './received-mail.js';

/** Parser options: `cid:` links stay links (images are attachments, not data URLs swelling the HTML); attachments get a SHA-256. */
const PARSER_OPTIONS = { keepCidLinks: true, skipTextToHtml: true, checksumAlgo: 'sha256', maxHtmlLengthToParse: 2_000_000 } as const;

/** Headers of which a mail has at least one; a body with none is not mail. */
const MAIL_HEADERS = ['from', 'to', 'subject', 'date', 'message-id'];

/** The first address header value of a parsed mail (mailparser gives an array when the header repeats). */
function mailFrom(parsed: ParsedMail) {
  return fromAddressObjects(parsed.from)[0] ?? null;
}

/**
 * A raw RFC 822 message (the webhook's `message/rfc822` body, SendGrid's `email` field, an IMAP
 * message) as a received mail. Encoded words (RFC 2047) in headers and every charset mailparser
 * knows are decoded. The size limits were checked on the raw bytes before; an attachment bigger
 * than `maxAttachmentBytes` refuses the whole mail.
 */
export async function parseMime(raw: Buffer, provider: MailProvider, maxAttachmentBytes: number): Promise<ReceivedMail> {
  if (raw.length === 0) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('is empty');
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, PARSER_OPTIONS);
  } catch (err) {
    throw InboundErrors.EMAIL_INBOUND_BODY_INVALID.with({ reason: (err as Error).message?.slice(0, 200) }, 'is not a MIME message that can be read');
  }
  if (!MAIL_HEADERS.some((h) => parsed.headers.has(h))) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('has none of From, To, Subject, Date or Message-ID: it is not an RFC 822 message');
  const attachments = parsed.attachments.map((a) => {
    if (a.size > maxAttachmentBytes) {
      throw InboundErrors.EMAIL_INBOUND_TOO_LARGE.with({ attachment: a.filename ?? null, size: a.size, limit: maxAttachmentBytes }, `has an attachment of ${a.size} bytes; at most ${maxAttachmentBytes} are accepted per attachment`);
    }
    return { filename: textOrNull(a.filename), contentType: a.contentType || 'application/octet-stream', contentId: textOrNull(a.cid), content: a.content };
  });
  return {
    provider,
    messageId: textOrNull(parsed.messageId),
    from: mailFrom(parsed),
    to: fromAddressObjects(parsed.to),
    cc: fromAddressObjects(parsed.cc),
    replyTo: fromAddressObjects(parsed.replyTo),
    subject: parsed.subject ?? '',
    text: textOrNull(parsed.text) === null ? null : (parsed.text ?? null),
    html: typeof parsed.html === 'string' && parsed.html.trim() !== '' ? parsed.html : null,
    // mailparser puts "now" for a Date header it cannot read: only a header that was there counts.
    date: parsed.headers.has('date') ? dateOrNull(parsed.date) : null,
    inReplyTo: textOrNull(parsed.inReplyTo),
    attachments,
    fallbackKey: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    sizeBytes: raw.length,
  };
}
