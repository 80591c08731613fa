import { InboundErrors } from '../errors.js';

/** One part of a multipart/form-data body. */
export interface FormPart {
  readonly name: string;
  readonly filename: string | null;
  readonly contentType: string | null;
  readonly content: Buffer;
}

/** The most parts a form may have: SendGrid's fields and one part per attachment. */
const MAX_PARTS = 500;

/** A parameter of a header value (`name="email"`), quoted or not. */
function param(value: string, name: string): string | null {
  const m = new RegExp(`(?:^|;)\\s*${name}\\*?=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(value);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? null);
}

function partHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/**
 * The parts of a multipart/form-data body (RFC 7578) held in memory, as SendGrid's Inbound Parse
 * posts it. The body's size was limited before it got here; a body that does not follow the format
 * is a 400 naming what is wrong.
 */
export function parseMultipartForm(body: Buffer, contentType: string): FormPart[] {
  const boundary = param(contentType, 'boundary');
  if (!boundary || boundary.length > 200) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('is multipart/form-data without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('is multipart/form-data without its boundary in the body');
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    // "--" after a delimiter closes the form.
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') return parts;
    const headStart = body.indexOf('\r\n', afterDelimiter) + 2;
    const headEnd = body.indexOf('\r\n\r\n', headStart);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headStart);
    if (headStart < 2 || headEnd < 0 || next < 0 || headEnd > next) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID('is multipart/form-data that ends before its closing boundary');
    const headers = partHeaders(body.subarray(headStart, headEnd).toString('utf8'));
    const disposition = headers.get('content-disposition') ?? '';
    const name = param(disposition, 'name');
    if (name !== null) parts.push({ name, filename: param(disposition, 'filename'), contentType: headers.get('content-type') ?? null, content: body.subarray(headEnd + 4, next) });
    if (parts.length > MAX_PARTS) throw InboundErrors.EMAIL_INBOUND_BODY_INVALID(`has more than ${MAX_PARTS} form parts`);
    at = next + 2;
  }
}
