import { defineErrors } from '@dogan/runtime';

/**
 * Inbound mail's error table: the webhook intake (`EMAIL_INBOUND_*`) and the IMAP mailboxes
 * (`EMAIL_IMAP_*`). IMAP failures are also what a mailbox's status shows as its last error.
 */
export const InboundErrors = defineErrors({
  EMAIL_INBOUND_TOO_LARGE: { status: 413, title: 'Inbound mail too large', message: 'The mail %s; nothing was recorded' },
  EMAIL_INBOUND_UNAUTHORIZED: {
    status: 401,
    title: 'Inbound secret missing or wrong',
    message: '%s; send the inbound secret in the X-Dogan-Inbound-Secret header or as the password of HTTP basic authentication',
  },
  EMAIL_INBOUND_NOT_CONFIGURED: {
    status: 401,
    title: 'Inbound mail not configured',
    message: 'This tenant has no inbound secret yet; create one with POST /api/v1/{tenant}/email/inbound/secret',
  },
  EMAIL_INBOUND_BODY_INVALID: { status: 400, title: 'Invalid inbound mail', message: 'The inbound mail %s' },
  EMAIL_INBOUND_UNSUPPORTED_TYPE: {
    status: 415,
    title: 'Unsupported inbound mail format',
    message: 'Content-Type "%s" is not taken: send Postmark-style JSON (application/json), the raw message (message/rfc822) or a SendGrid Inbound Parse form (multipart/form-data)',
  },
  EMAIL_INBOUND_TENANT_SUSPENDED: { status: 403, title: 'Tenant suspended', message: 'Tenant "%s" is %s; its inbound mail is refused until it is active again' },
  EMAIL_INBOUND_EVENTS_UNAVAILABLE: {
    status: 503,
    title: 'Events not loaded',
    message: 'This platform does not load the events plugin, so inbound mail cannot be published; add it to DOGAN_PLUGINS',
  },
  EMAIL_INBOUND_MESSAGE_NOT_FOUND: { status: 404, title: 'Inbound mail not found', message: 'No inbound mail "%s" for this tenant' },
  EMAIL_INBOUND_ATTACHMENT_NOT_FOUND: { status: 404, title: 'Attachment not found', message: 'No attachment "%s" of inbound mail "%s"' },
  EMAIL_IMAP_NOT_CONFIGURED: { status: 409, title: 'No IMAP mailbox', message: 'This tenant has no IMAP mailbox; save one with PUT /api/v1/{tenant}/email/inbound/imap' },
  EMAIL_IMAP_SETTING_INVALID: { status: 400, title: 'Invalid IMAP setting', message: 'The %s' },
  EMAIL_IMAP_ADDRESS_FORBIDDEN: {
    status: 400,
    title: 'IMAP host not allowed',
    message: 'The IMAP host %s resolves to %s, a private, loopback, link-local or reserved address; use the public address of the mail server',
  },
  EMAIL_IMAP_AUTH_FAILED: { status: 502, title: 'IMAP login refused', message: 'The IMAP server %s refused the user name and password (%s); check them and save the mailbox again' },
  EMAIL_IMAP_UNREACHABLE: { status: 502, title: 'IMAP server unreachable', message: 'Could not reach the IMAP server %s (%s); check the host, port and "secure" setting' },
  EMAIL_IMAP_TLS_FAILED: { status: 502, title: 'IMAP TLS failed', message: 'The TLS connection to the IMAP server %s failed (%s); check "secure" and the server\'s certificate' },
  EMAIL_IMAP_MAILBOX_NOT_FOUND: { status: 502, title: 'IMAP mailbox not found', message: 'The IMAP server %s has no mailbox "%s" for this user' },
  EMAIL_IMAP_FAILED: { status: 502, title: 'IMAP server failed', message: 'The IMAP server %s failed: %s' },
});
