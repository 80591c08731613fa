import { createHash } from 'node:crypto';
import { InboundErrors } from '../errors.js';
import { parseAddressText } from './addresses.js';
import { parseMultipartForm, type FormPart } from './multipart-form.js';
import { parseMime } from './parse-mime.js';
import { dateOrNull, textOrNull, type ReceivedAttachment, type ReceivedMail } from './received-mail.js';

/** A header of SendGrid's `headers` field (the mail's raw header block), unfolded. */
function header(block: string, name: string): string | null {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(block);
  return m ? textOrNull(m[1]!.replace(/\r?\n[ \t]+/g, ' ')) : null;
}

function attachmentsOf(parts: readonly FormPart[], info: Record<string, { filename?: string; type?: string; 'content-id'?: string }>, maxAttachmentBytes: number): ReceivedAttachment[] {
  return parts
    .filter((p) => /^attachment\d+$/.test(p.name))
    .map((p) => {
      if (p.content.length > maxAttachmentBytes) {
        throw InboundErrors.EMAIL_INBOUND_TOO_LARGE.with({ attachment: p.filename, size: p.content.length, limit: maxAttachmentBytes }, `has an attachment of ${p.content.length} bytes; at most ${maxAttachmentBytes} are accepted per attachment`);
      }
      const meta = info[p.name] ?? {};
      return {
        filename: textOrNull(meta.filename) ?? textOrNull(p.filename),
        contentType: textOrNull(meta.type) ?? textOrNull(p.contentType) ?? 'application/octet-stream',
        contentId: textOrNull(meta['content-id']),
        content: p.content,
      };
    });
}

/**
 * SendGrid's Inbound Parse form: with "POST the raw, full MIME message" the `email` field is the
 * message itself, read like any raw mail; otherwise the parsed fields (`from`, `to`, `cc`,
 * `subject`, `text`, `html`, `headers`, `attachment-info` and `attachmentN` files). Fields are read
 * as UTF-8, which SendGrid sends unless a mail's `charsets` say otherwise.
 */
export async function parseSendgrid(raw: Buffer, contentType: string, maxAttachmentBytes: number): Promise<ReceivedMail> {
  const parts = parseMultipartForm(raw, contentType);
  const field = (name: string) => parts.find((p) => p.name === name && p.filename === null)?.content.toString('utf8');
  const email = parts.find((p) => p.name === 'email');
  if (email) return { ...(await parseMime(email.content, 'sendgrid', maxAttachmentBytes)), sizeBytes: raw.length };
  if (field('from') === undefined && field('headers') === undefined) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('is a form without "email", "from" or "headers": it is not a SendGrid Inbound Parse post');
  let info: Record<string, { filename?: string; type?: string }> = {};
  try {
    const parsed = JSON.parse(field('attachment-info') ?? '{}') as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) info = parsed as typeof info;
  } catch {
    throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('has an "attachment-info" field that is not JSON');
  }
  const headers = field('headers') ?? '';
  return {
    provider: 'sendgrid',
    messageId: header(headers, 'message-id'),
    from: parseAddressText(field('from') ?? header(headers, 'from'))[0] ?? null,
    to: parseAddressText(field('to') ?? header(headers, 'to')),
    cc: parseAddressText(field('cc') ?? header(headers, 'cc')),
    replyTo: parseAddressText(header(headers, 'reply-to')),
    subject: field('subject') ?? '',
    text: textOrNull(field('text')) === null ? null : field('text')!,
    html: textOrNull(field('html')) === null ? null : field('html')!,
    date: dateOrNull(header(headers, 'date')),
    inReplyTo: header(headers, 'in-reply-to'),
    attachments: attachmentsOf(parts, info, maxAttachmentBytes),
    fallbackKey: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    sizeBytes: raw.length,
  };
}
