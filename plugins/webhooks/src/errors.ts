import { defineErrors } from '@dogan/runtime';

/** The webhooks plugin's error table; codes are stable for clients and tests. */
export const WebhookErrors = defineErrors({
  WEBHOOK_NOT_FOUND: { status: 404, title: 'Webhook not found', message: 'No webhook "%s" for this tenant' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, title: 'Delivery not found', message: 'No delivery "%s" of webhook "%s"' },
  WEBHOOK_URL_INVALID: { status: 400, title: 'Invalid webhook URL', message: 'The webhook URL %s: give an absolute http:// or https:// URL without credentials' },
  WEBHOOK_URL_FORBIDDEN: {
    status: 400,
    title: 'Webhook URL not allowed',
    message: 'The webhook URL host %s resolves to %s, a private, loopback, link-local or reserved address; webhooks go to public addresses only',
  },
  WEBHOOK_URL_UNREACHABLE: { status: 400, title: 'Webhook URL unreachable', message: 'The webhook URL host %s does not resolve (%s); check the name' },
  WEBHOOK_EVENT_TYPE_UNKNOWN: {
    status: 400,
    title: 'Unknown event type',
    message: 'No event type matches %s; use a known type (e.g. billing.invoice_issued), a family (billing.*), a module type (publisher.module.name) or *',
  },
  WEBHOOK_LIMIT_REACHED: { status: 409, title: 'Too many webhooks', message: 'A tenant may have at most %s webhooks; delete one first' },
  WEBHOOK_DISABLED: { status: 409, title: 'Webhook disabled', message: 'Webhook "%s" is disabled; enable it (PUT with "enabled": true) before redelivering' },
  WEBHOOK_DELIVERY_IN_PROGRESS: {
    status: 409,
    title: 'Delivery in progress',
    message: 'Delivery "%s" is being sent right now; look at its log in a few seconds before asking again',
  },
});
