import { InboundErrors } from '../errors.js';
import { parseMime } from './parse-mime.js';
import { parsePostmark } from './parse-postmark.js';
import { parseSendgrid } from './parse-sendgrid.js';
import type { ReceivedMail } from './received-mail.js';

/**
 * A posted mail in whichever format its Content-Type names: Postmark-style JSON, the raw message
 * (`message/rfc822`), or SendGrid's Inbound Parse form. A body that starts as JSON is JSON.
 */
export async function parseInbound(raw: Buffer, contentType: string | undefined, maxAttachmentBytes: number): Promise<ReceivedMail> {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (raw.length === 0) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('is empty');
  if (type === 'application/json' || type.endsWith('+json') || ((type === '' || type === 'text/plain') && raw.subarray(0, 64).toString('utf8').trimStart().startsWith('{'))) {
    return parsePostmark(raw, maxAttachmentBytes);
  }
  if (type === 'message/rfc822' || type === 'text/plain' || type === 'application/octet-stream' || type === '') return parseMime(raw, 'mime', maxAttachmentBytes);
  if (type === 'multipart/form-data') return parseSendgrid(raw, contentType ?? '', maxAttachmentBytes);
  throw InboundErrors.EMAIL_INBOUND_UNSUPPORTED_TYPE(type.slice(0, 100));
}
