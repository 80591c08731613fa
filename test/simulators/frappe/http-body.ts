import { frappeThrow, raise, type Ctx } from './context.js';

/**
 * app.py make_form_dict: a JSON body (Content-Type application/json or application/*+json, as
 * werkzeug's is_json says) becomes form_dict - and then the query string is NOT read; a JSON list
 * becomes form_dict["data"]. Otherwise form_dict is the query string updated by the form
 * (urlencoded or multipart), the first value of a repeated key winning (werkzeug MultiDict).
 * `_` (jQuery's cache buster) is dropped.
 */
export function parseFormDict(ctx: Ctx): void {
  const type = String(ctx.headers['content-type'] ?? '').toLowerCase();
  const mimetype = type.split(';')[0]!.trim();
  const isJson = mimetype === 'application/json' || (mimetype.startsWith('application/') && mimetype.endsWith('+json'));
  const text = ctx.rawBody.toString('utf8');
  if (text && isJson) {
    let args: unknown;
    try {
      args = JSON.parse(text);
    } catch {
      raise('JSONDecodeError', 'Expecting value: line 1 column 1 (char 0)');
    }
    if (Array.isArray(args)) ctx.formDict = { data: args };
    else if (args && typeof args === 'object') ctx.formDict = { ...(args as Record<string, unknown>) };
    else frappeThrow(ctx, 'Invalid request arguments');
  } else {
    const form: Record<string, unknown> = {};
    const first = (key: string, value: unknown, into: Record<string, unknown>): void => {
      if (!(key in into)) into[key] = value;
    };
    for (const [k, v] of ctx.query) first(k, v, form);
    const fields: Record<string, unknown> = {};
    if (mimetype === 'application/x-www-form-urlencoded') for (const [k, v] of new URLSearchParams(text)) first(k, v, fields);
    if (mimetype === 'multipart/form-data') {
      const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
      for (const part of parseMultipart(ctx.rawBody, boundary?.[1] ?? boundary?.[2] ?? '')) {
        if (part.filename !== undefined) ctx.files.push({ field: part.name, filename: part.filename, contentType: part.contentType, content: part.content });
        else first(part.name, part.content.toString('utf8'), fields);
      }
    }
    ctx.formDict = { ...form, ...fields };
  }
  delete ctx.formDict._;
}

interface Part {
  name: string;
  filename?: string;
  contentType: string;
  content: Buffer;
}

/** RFC 7578 multipart/form-data, enough for upload_file (file, is_private, doctype, docname, ...). */
function parseMultipart(body: Buffer, boundary: string): Part[] {
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const chunk = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = chunk.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? 'text/plain';
      parts.push({ name, ...(filename !== undefined ? { filename } : {}), contentType, content: Buffer.from(chunk.subarray(headerEnd + 4)) });
    }
    start = next;
  }
  return parts;
}

