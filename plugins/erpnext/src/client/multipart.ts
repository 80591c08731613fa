import { randomBytes } from 'node:crypto';

/** A header parameter value: quotes and line breaks would end it early, so they are escaped as browsers do (RFC 7578 §4.2, WHATWG). */
function quoted(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * A multipart/form-data body with text fields and one file part, built in memory: upload_file reads
 * the file from `request.files["file"]` and the rest from the form. A Buffer (not a stream) so a
 * retried attempt can send it again.
 */
export function multipartBody(fields: Record<string, string>, file: { field: string; filename: string; contentType: string; content: Buffer }): { body: Buffer; contentType: string } {
  const boundary = `----dogan-${randomBytes(16).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`, 'utf8'));
  }
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(file.field)}"; filename="${quoted(file.filename)}"\r\nContent-Type: ${file.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`;
  parts.push(Buffer.from(head, 'utf8'), file.content, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
