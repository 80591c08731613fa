import { createHash } from 'node:crypto';
import { InboundErrors } from '../errors.js';
import { mailAddress, MAX_ADDRESSES, parseAddressText } from './addresses.js';
import { dateOrNull, textOrNull, type MailAddress, type ReceivedAttachment, type ReceivedMail } from './received-mail.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Postmark's `*Full` lists (`[{ Email, Name, MailboxHash }]`), else the header text beside them. */
function addresses(full: unknown, text: unknown): MailAddress[] {
  if (Array.isArray(full)) {
    const out: MailAddress[] = [];
    for (const entry of full.slice(0, MAX_ADDRESSES)) {
      if (!isObject(entry)) continue;
      const one = mailAddress(typeof entry.Email === 'string' ? entry.Email : undefined, typeof entry.Name === 'string' ? entry.Name : undefined);
      if (one) out.push(one);
    }
    if (out.length > 0) return out;
  }
  return parseAddressText(typeof text === 'string' ? text : null);
}

/** The sender: `FromFull`, else `From` (an address, or a whole header) with `FromName`. */
function sender(body: Json): MailAddress | null {
  if (isObject(body.FromFull)) {
    const full = mailAddress(typeof body.FromFull.Email === 'string' ? body.FromFull.Email : undefined, typeof body.FromFull.Name === 'string' ? body.FromFull.Name : undefined);
    if (full) return full;
  }
  const parsed = parseAddressText(typeof body.From === 'string' ? body.From : null)[0] ?? null;
  const name = textOrNull(body.FromName);
  if (parsed && (parsed.name || !name)) return parsed;
  return mailAddress(parsed?.address ?? undefined, name ?? undefined);
}

/** A header of Postmark's `Headers` list (`[{ Name, Value }]`), by name, case-insensitively. */
function header(body: Json, name: string): string | null {
  if (!Array.isArray(body.Headers)) return null;
  for (const h of body.Headers) if (isObject(h) && typeof h.Name === 'string' && h.Name.toLowerCase() === name) return textOrNull(h.Value);
  return null;
}

function attachments(list: unknown, maxAttachmentBytes: number): ReceivedAttachment[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('has "Attachments" that is not a list');
  return list.map((a, i) => {
    if (!isObject(a) || typeof a.Content !== 'string') throw InboundErrors.EMAIL_INBOUND_BODY_INVALID(`has attachment ${i + 1} without base64 "Content"`);
    if (!/^[A-Za-z0-9+/=\s_-]*$/.test(a.Content)) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID(`has attachment ${i + 1} whose "Content" is not base64`);
    const content = Buffer.from(a.Content, 'base64');
    if (content.length > maxAttachmentBytes) {
      throw InboundErrors.EMAIL_INBOUND_TOO_LARGE.with({ attachment: textOrNull(a.Name), size: content.length, limit: maxAttachmentBytes }, `has an attachment of ${content.length} bytes; at most ${maxAttachmentBytes} are accepted per attachment`);
    }
    const cid = textOrNull(a.ContentID);
    return { filename: textOrNull(a.Name), contentType: textOrNull(a.ContentType) ?? 'application/octet-stream', contentId: cid ? cid.replace(/^<(.*)>$/, '$1') : null, content };
  });
}

/**
 * Postmark's inbound webhook JSON (`FromFull`, `ToFull`, `Subject`, `TextBody`, `HtmlBody`,
 * `Headers`, `Attachments` with base64 `Content`) as a received mail. Its Message-ID is the mail's
 * own header from `Headers`; Postmark's `MessageID` identifies the mail when that header is missing.
 */
export function parsePostmark(raw: Buffer, maxAttachmentBytes: number): ReceivedMail {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('is not valid JSON (truncated?)');
  }
  if (!isObject(body)) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('is not a JSON object');
  if (body.From === undefined && body.FromFull === undefined && body.Subject === undefined && body.TextBody === undefined) {
    throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('has none of From, FromFull, Subject or TextBody: it is not Postmark-style inbound JSON');
  }
  const providerId = textOrNull(body.MessageID);
  return {
    provider: 'postmark',
    messageId: header(body, 'message-id'),
    from: sender(body),
    to: addresses(body.ToFull, body.To),
    cc: addresses(body.CcFull, body.Cc),
    replyTo: parseAddressText(typeof body.ReplyTo === 'string' ? body.ReplyTo : null),
    subject: typeof body.Subject === 'string' ? body.Subject : '',
    text: textOrNull(body.TextBody) === null ? null : (body.TextBody as string),
    html: textOrNull(body.HtmlBody) === null ? null : (body.HtmlBody as string),
    date: dateOrNull(body.Date),
    inReplyTo: header(body, 'in-reply-to'),
    attachments: attachments(body.Attachments, maxAttachmentBytes),
    fallbackKey: providerId ? `postmark:${providerId.slice(0, 200)}` : `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    sizeBytes: raw.length,
  };
}
