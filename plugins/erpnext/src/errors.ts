import { defineErrors } from '@dogan/runtime';

/**
 * The ERPNext plugin's error table. Codes are stable for clients, modules and tests. Errors that
 * ERPNext itself raised keep its words: the factories take the server's message, and the client
 * attaches `excType`, `serverMessages` and `upstreamStatus` as problem extensions.
 */
export const ErpnextErrors = defineErrors({
  // What ERPNext answered about the request itself (the document, the user's rights on the site).
  ERPNEXT_VALIDATION: { status: 422, title: 'ERPNext refused the document', message: 'ERPNext: %s' },
  ERPNEXT_NOT_FOUND: { status: 404, title: 'Not found in ERPNext', message: 'ERPNext: %s' },
  ERPNEXT_DUPLICATE: { status: 409, title: 'Already exists in ERPNext', message: 'ERPNext: %s' },
  ERPNEXT_TIMESTAMP_MISMATCH: {
    status: 409,
    title: 'Document changed in ERPNext',
    message: 'ERPNext: %s. Someone saved the document after you read it; read it again and reapply the change',
  },
  ERPNEXT_PERMISSION_DENIED: { status: 403, title: 'ERPNext refused the operation', message: "ERPNext: %s. The connection's ERPNext user lacks this permission on the site" },
  // What went wrong with the site or the connection: the caller cannot fix these by changing the request.
  ERPNEXT_CREDENTIALS_REFUSED: {
    status: 502,
    title: 'ERPNext refused the credentials',
    message: 'ERPNext at %s refused the API key and secret (%s); generate new keys for the user in ERPNext and save the connection again',
  },
  ERPNEXT_UNREACHABLE: { status: 502, title: 'ERPNext unreachable', message: 'Could not reach ERPNext at %s (%s); check the URL and that the site is up' },
  ERPNEXT_NOT_FRAPPE: { status: 502, title: 'Not an ERPNext site', message: '%s did not answer as a Frappe site does (%s); check the base URL (e.g. https://erp.example.com)' },
  ERPNEXT_TIMEOUT: { status: 504, title: 'ERPNext timed out', message: 'ERPNext at %s did not answer within %s ms' },
  ERPNEXT_SERVER_ERROR: { status: 502, title: 'ERPNext failed', message: 'ERPNext answered %s: %s' },
  ERPNEXT_RATE_LIMITED: { status: 503, title: 'ERPNext is rate limiting', message: 'ERPNext at %s kept answering 429 Too Many Requests; try again in %s seconds' },
  ERPNEXT_RESPONSE_TOO_LARGE: { status: 502, title: 'ERPNext answer too large', message: 'ERPNext at %s sent more than %s bytes for one request; ask for fewer rows or fields per page' },
  ERPNEXT_TOO_MANY_REQUESTS: {
    status: 429,
    title: 'Too many ERPNext requests',
    message: 'This tenant has more ERPNext requests in flight or per second than its limit (%s); retry after %s seconds',
  },
  ERPNEXT_ADDRESS_FORBIDDEN: {
    status: 400,
    title: 'ERPNext URL not allowed',
    message: 'The ERPNext host %s resolves to %s, a private, loopback, link-local or reserved address; use the public address of the site',
  },
  // Dogan's own state and input.
  ERPNEXT_URL_INVALID: { status: 400, title: 'Invalid ERPNext URL', message: 'The ERPNext base URL %s: give an absolute http:// or https:// URL without credentials, path, query or fragment' },
  ERPNEXT_NOT_CONNECTED: {
    status: 409,
    title: 'No ERPNext connection',
    message: 'This tenant has no ERPNext connection named "%s"; save one with PUT /api/v1/{tenant}/erpnext/connection',
  },
  ERPNEXT_CONNECTION_LIMIT: { status: 409, title: 'Too many ERPNext connections', message: 'A tenant may have at most %s ERPNext connections; delete one first' },
  ERPNEXT_HOOK_LIMIT: { status: 409, title: 'Too many ERPNext hooks', message: 'A tenant may have at most %s ERPNext webhook hooks; delete one first' },
  ERPNEXT_NOT_IN_PLAN: { status: 403, title: 'ERPNext not in plan', message: "The tenant's plan %s does not include the ERPNext integration; upgrade to a plan with it" },
  ERPNEXT_HOOK_NOT_FOUND: { status: 404, title: 'ERPNext webhook not found', message: 'No ERPNext webhook "%s" for this tenant' },
  ERPNEXT_SIGNATURE_INVALID: {
    status: 401,
    title: 'Invalid webhook signature',
    message: 'The X-Frappe-Webhook-Signature header %s; enable security on the Webhook in ERPNext with the secret this hook was created with',
  },
  ERPNEXT_WEBHOOK_BODY_INVALID: { status: 400, title: 'Invalid webhook body', message: 'The webhook body %s' },
  ERPNEXT_WEBHOOK_TOO_LARGE: { status: 413, title: 'Webhook body too large', message: 'The webhook body is %s bytes; at most %s are accepted. Send fewer fields in the Webhook request' },
  ERPNEXT_TENANT_SUSPENDED: { status: 403, title: 'Tenant suspended', message: 'Tenant "%s" is suspended; its ERPNext webhooks are refused until it is active again' },
  ERPNEXT_EVENTS_UNAVAILABLE: { status: 503, title: 'Events not loaded', message: 'This platform does not load the events plugin, so ERPNext webhooks cannot be published; add it to DOGAN_PLUGINS' },
  ERPNEXT_SYNC_NOT_FOUND: { status: 404, title: 'Sync not found', message: 'No ERPNext sync of doctype "%s" for this tenant' },
  ERPNEXT_SYNC_RUNNING: { status: 409, title: 'Sync running', message: 'The sync of "%s" is running; wait for it to finish' },
  ERPNEXT_FILTER_INVALID: { status: 400, title: 'Invalid ERPNext filters', message: 'The filters %s; give [field, operator, value] lists or a {field: value | [operator, value]} object' },
  ERPNEXT_SETTING_INVALID: { status: 400, title: 'Invalid ERPNext setting', message: 'The %s' },
  ERPNEXT_REQUEST_INVALID: { status: 400, title: 'Invalid ERPNext request', message: 'Not sent to ERPNext: %s' },
  ERPNEXT_DOCTYPE_INVALID: { status: 400, title: 'Invalid doctype', message: 'The doctype %s: give a name of 1 to 140 letters, digits, spaces, hyphens or underscores' },
});
