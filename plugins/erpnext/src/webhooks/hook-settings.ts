import type { HookRecord } from '../store/hook-store.js';

/**
 * The JSON body every hook asks ERPNext to send: what the intake needs to route, deduplicate and
 * publish the change (doctype, name, event, modified) and the document itself. Rendered by Frappe's
 * Jinja with its `json` filter (frappe.as_json), so every value is valid JSON whatever it holds.
 */
export function webhookJsonTemplate(event: string): string {
  return [
    '{',
    '  "doctype": {{ doc.doctype | json }},',
    '  "name": {{ doc.name | json }},',
    `  "event": "${event}",`,
    '  "modified": {{ doc.modified | json }},',
    '  "docstatus": {{ doc.docstatus | json }},',
    '  "doc": {{ doc | json }}',
    '}',
  ].join('\n');
}

/** One ERPNext Webhook document to create, as its fields are named in the Webhook doctype (and in its form). */
export interface ErpnextWebhookSettings {
  readonly doctype: 'Webhook';
  readonly webhook_doctype: string;
  readonly webhook_docevent: string;
  readonly enabled: 1;
  readonly request_url: string;
  readonly request_method: 'POST';
  readonly request_structure: 'JSON';
  readonly enable_security: 1;
  /** The hook's secret: shown when the hook is created or its secret rotated, never again. */
  readonly webhook_secret: string;
  readonly webhook_headers: ReadonlyArray<{ key: string; value: string }>;
  readonly webhook_json: string;
}

/** The intake address of a hook. */
export function hookUrl(baseUrl: string, tenantSubdomain: string, hookId: string): string {
  return `${baseUrl}/api/webhooks/erpnext/${tenantSubdomain}/${hookId}`;
}

/**
 * The exact settings for ERPNext's Webhook doctype, one Webhook per event (ERPNext has one doc event
 * per Webhook), all with the same URL and secret. They can be typed into the form, or created
 * through ERPNext's API as they are (`POST /api/resource/Webhook`).
 */
export function hookSettings(hook: HookRecord, url: string, secret: string | undefined): ErpnextWebhookSettings[] {
  return hook.events.map((event) => ({
    doctype: 'Webhook',
    webhook_doctype: hook.doctype,
    webhook_docevent: event,
    enabled: 1,
    request_url: url,
    request_method: 'POST',
    request_structure: 'JSON',
    enable_security: 1,
    webhook_secret: secret ?? '(the secret shown when this hook was created; rotate it to get a new one)',
    webhook_headers: [{ key: 'Content-Type', value: 'application/json' }],
    webhook_json: webhookJsonTemplate(event),
  }));
}
