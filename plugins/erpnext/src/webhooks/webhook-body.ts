import { ErpnextErrors } from '../errors.js';

/**
 * The fields of a Form URL-Encoded body in order (an older Frappe's), or undefined for anything else:
 * a body that starts as JSON is JSON, whatever its content type says.
 */
export function formFields(raw: Buffer, contentType: string | undefined): Record<string, string> | undefined {
  const text = raw.toString('utf8');
  if (!/application\/x-www-form-urlencoded/i.test(contentType ?? '') || text.trimStart().startsWith('{')) return undefined;
  const form: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) form[k] = v;
  return form;
}

/** What a webhook said happened: which document, which event, at which version. */
export interface WebhookChange {
  readonly doctype: string;
  readonly name: string;
  readonly event: string;
  /** The document's `modified`; a hash of the body when the Webhook sends none (so a replay is still one change). */
  readonly modified: string;
  /** Everything ERPNext sent. */
  readonly data: Record<string, unknown>;
  /** The fields of a Form URL-Encoded body, in order (for the signature of an older Frappe). */
  readonly form: Record<string, string> | undefined;
}

/**
 * Reads a webhook body as Frappe sends it: JSON text (with or without a JSON content type: Frappe
 * sends `json.dumps(data)` and only the headers the Webhook lists), or a form body from an older
 * Frappe. Anything else is a 400 that names what is wrong; nothing is published.
 */
export function parseWebhookBody(raw: Buffer, contentType: string | undefined): { data: Record<string, unknown>; form: Record<string, string> | undefined } {
  const text = raw.toString('utf8');
  if (raw.length === 0) throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID('is empty; set the Webhook\'s Request Structure to JSON with the template shown for this hook');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID('is not valid JSON (truncated?)');
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID('is not a JSON object');
    return { data: data as Record<string, unknown>, form: undefined };
  }
  const form = formFields(raw, contentType);
  if (form) return { data: { ...form }, form };
  throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID('is neither a JSON object nor a form');
}

const field = (data: Record<string, unknown>, name: string) => {
  const v = data[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};

/** The change a body describes, filling the doctype and event from the hook when the body leaves them out. */
export function changeOf(data: Record<string, unknown>, form: Record<string, string> | undefined, hook: { doctype: string; events: readonly string[] }, bodyHash: string): WebhookChange {
  const doctype = field(data, 'doctype') ?? hook.doctype;
  if (doctype !== hook.doctype) throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID(`is about doctype "${doctype.slice(0, 140)}", and this hook is for "${hook.doctype}"`);
  const name = field(data, 'name');
  if (!name || name.length > 140) throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID('has no "name" of the document (1 to 140 characters)');
  const event = field(data, 'event') ?? (hook.events.length === 1 ? hook.events[0] : undefined);
  if (!event) throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID(`has no "event", and this hook listens to several (${hook.events.join(', ')})`);
  if (!hook.events.includes(event)) throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID(`is for event "${event.slice(0, 40)}", which this hook does not listen to (${hook.events.join(', ')})`);
  const modified = field(data, 'modified');
  if (modified !== undefined && modified.length > 32) throw ErpnextErrors.ERPNEXT_WEBHOOK_BODY_INVALID('has a "modified" longer than a Frappe timestamp');
  return { doctype, name, event, modified: modified ?? `sha256:${bodyHash.slice(0, 24)}`, data, form };
}
