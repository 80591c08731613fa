import { createHash } from 'node:crypto';
import { displayName } from './addresses.js';
import type { MailAddress, MailProvider, ReceivedMail } from './received-mail.js';

/** The event every received mail becomes. */
export const EMAIL_RECEIVED = 'email.received';

/** An attachment as the event describes it; the content rides along only when small (see `contentBase64`). */
export interface ReceivedAttachmentView {
  /** Its position in the mail, from 1: the last segment of its download path. */
  readonly part: number;
  readonly filename: string | null;
  readonly contentType: string;
  readonly contentId: string | null;
  readonly size: number;
  readonly sha256: string;
  /** The content, base64, when it is at most EMAIL_INBOUND_INLINE_ATTACHMENT_BYTES (and the event's inline total allows). */
  readonly contentBase64?: string;
  /** Where the content is downloaded with a key of the tenant's (read scope). */
  readonly downloadPath: string;
}

/** Payload of `email.received` (version 1). */
export interface EmailReceivedPayload {
  /** The stored mail: `GET /api/v1/{tenant}/email/inbound/messages/{id}`. */
  readonly id: string;
  readonly source: 'webhook' | 'imap';
  readonly provider: MailProvider;
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  /** The sender as the From header gave it; `displayName` is the name, else the address (never a placeholder). */
  readonly from: (MailAddress & { readonly displayName: string | null }) | null;
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly replyTo: readonly MailAddress[];
  readonly subject: string;
  readonly text: string | null;
  /** The text was longer than an event carries; the stored mail has all of it. */
  readonly textTruncated: boolean;
  readonly html: string | null;
  readonly htmlTruncated: boolean;
  /** The Date header, ISO 8601. */
  readonly date: string | null;
  readonly receivedAt: string;
  readonly sizeBytes: number;
  readonly attachments: readonly ReceivedAttachmentView[];
}

/** What one event carries of the text and of the HTML, and of inline attachments in all: the events plugin takes payloads up to 256 KiB. */
const TEXT_BYTES = 48 * 1024;
const HTML_BYTES = 48 * 1024;
const INLINE_TOTAL_BYTES = 64 * 1024;
const PAYLOAD_BYTES = 240 * 1024;

/** The longest prefix of `s` within `maxBytes` of UTF-8, never cutting a character in two. */
export function truncateUtf8(s: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(s) <= maxBytes) return { text: s, truncated: false };
  return { text: Buffer.from(s).subarray(0, maxBytes).toString('utf8').replace(/\uFFFD+$/, ''), truncated: true };
}

export const sha256Hex = (content: Buffer) => createHash('sha256').update(content).digest('hex');

export interface PayloadInput {
  readonly id: string;
  readonly tenantId: string;
  readonly source: 'webhook' | 'imap';
  readonly mail: ReceivedMail;
  readonly receivedAt: Date;
  readonly inlineAttachmentBytes: number;
}

/**
 * The `email.received` payload of a mail: addresses, subject, text and HTML (truncated to what an
 * event carries), and each attachment's name, type, size and SHA-256, with its content in base64
 * when small. Every attachment's content is in the tenant database, at its `downloadPath`.
 */
export function receivedPayload(input: PayloadInput): EmailReceivedPayload {
  const { mail } = input;
  let inlineLeft = Math.floor((INLINE_TOTAL_BYTES * 3) / 4);
  const attachments = mail.attachments.map((a, i): ReceivedAttachmentView => {
    const inline = a.content.length <= input.inlineAttachmentBytes && a.content.length <= inlineLeft;
    if (inline) inlineLeft -= a.content.length;
    return {
      part: i + 1,
      filename: a.filename,
      contentType: a.contentType,
      contentId: a.contentId,
      size: a.content.length,
      sha256: sha256Hex(a.content),
      ...(inline ? { contentBase64: a.content.toString('base64') } : {}),
      downloadPath: `/api/v1/${input.tenantId}/email/inbound/messages/${input.id}/attachments/${i + 1}`,
    };
  });
  const text = mail.text === null ? null : truncateUtf8(mail.text, TEXT_BYTES);
  const html = mail.html === null ? null : truncateUtf8(mail.html, HTML_BYTES);
  const payload: EmailReceivedPayload = {
    id: input.id,
    source: input.source,
    provider: mail.provider,
    messageId: mail.messageId,
    inReplyTo: mail.inReplyTo,
    from: mail.from ? { ...mail.from, displayName: displayName(mail.from) } : null,
    to: mail.to,
    cc: mail.cc,
    replyTo: mail.replyTo,
    subject: truncateUtf8(mail.subject, 4096).text,
    text: text?.text ?? null,
    textTruncated: text?.truncated ?? false,
    html: html?.text ?? null,
    htmlTruncated: html?.truncated ?? false,
    date: mail.date?.toISOString() ?? null,
    receivedAt: input.receivedAt.toISOString(),
    sizeBytes: mail.sizeBytes,
    attachments,
  };
  return fitted(payload);
}

/** A payload within what the events plugin takes: inline contents go first, then the HTML. */
function fitted(payload: EmailReceivedPayload): EmailReceivedPayload {
  const size = (p: EmailReceivedPayload) => Buffer.byteLength(JSON.stringify(p));
  if (size(payload) <= PAYLOAD_BYTES) return payload;
  const lean: EmailReceivedPayload = { ...payload, attachments: payload.attachments.map(({ contentBase64: _omitted, ...rest }) => rest) };
  if (size(lean) <= PAYLOAD_BYTES) return lean;
  return { ...lean, html: null, htmlTruncated: payload.html !== null, attachments: lean.attachments.slice(0, 200) };
}
