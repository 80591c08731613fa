import { defineErrors } from '@dogan/runtime';

/**
 * The email plugin's error table. Codes are stable for API clients, modules and the message records
 * (a message's `lastError.code` is one of these). SMTP failures keep the server's words in the detail;
 * a password never appears in any of them.
 */
export const EmailErrors = defineErrors({
  // Settings and the SMTP server.
  EMAIL_SETTINGS_INVALID: { status: 400, title: 'Invalid email settings', message: 'The email settings: %s' },
  EMAIL_NOT_CONFIGURED: {
    status: 409,
    title: 'Email not configured',
    message: 'No SMTP server for this tenant: save one with PUT /api/v1/{tenant}/email/settings, or ask the platform operator to set EMAIL_SMTP_URL',
  },
  EMAIL_SMTP_AUTH_FAILED: { status: 422, title: 'SMTP login refused', message: 'The SMTP server %s refused the username and password (%s); check them and save the settings again' },
  EMAIL_SMTP_UNREACHABLE: { status: 502, title: 'SMTP server unreachable', message: 'Could not talk to the SMTP server %s (%s); check the host, port and TLS mode' },
  EMAIL_SMTP_TEMPORARY: { status: 503, title: 'SMTP server deferred the message', message: 'The SMTP server answered %s: %s; the message is tried again later' },
  EMAIL_SMTP_REJECTED: { status: 422, title: 'SMTP server refused the message', message: 'The SMTP server answered %s: %s' },
  EMAIL_ADDRESS_FORBIDDEN: {
    status: 400,
    title: 'SMTP host not allowed',
    message: 'The SMTP host %s resolves to %s, a private, loopback or reserved address; use the public address of the mail server',
  },
  // Messages.
  EMAIL_MESSAGE_INVALID: { status: 400, title: 'Invalid email', message: 'Not sent: %s' },
  EMAIL_ADDRESS_INVALID: { status: 400, title: 'Invalid email address', message: 'Not an email address: %s' },
  EMAIL_MESSAGE_NOT_FOUND: { status: 404, title: 'Email not found', message: 'No email "%s" for this tenant' },
  EMAIL_RECIPIENT_REJECTED: { status: 422, title: 'Recipient refused', message: 'The SMTP server refused the recipient %s (%s); the address is now on the suppression list' },
  EMAIL_RECIPIENT_SUPPRESSED: { status: 422, title: 'Recipient suppressed', message: 'Every recipient is on the suppression list (%s); nothing was sent' },
  // Templates.
  EMAIL_TEMPLATE_NOT_FOUND: { status: 404, title: 'Email template not found', message: 'No email template "%s" for this tenant' },
  EMAIL_TEMPLATE_INVALID: { status: 400, title: 'Invalid email template', message: 'The template %s: %s' },
  EMAIL_TEMPLATE_RESERVED: { status: 409, title: 'Built-in template', message: 'The template "%s" is one of the platform\'s notices; choose another name' },
  EMAIL_TEMPLATE_LIMIT: { status: 409, title: 'Too many email templates', message: 'A tenant may have at most %s email templates; delete one first' },
  // Suppressions and the provider intake.
  EMAIL_SUPPRESSION_NOT_FOUND: { status: 404, title: 'Address not suppressed', message: 'The address %s is not on this tenant\'s suppression list' },
  EMAIL_INTAKE_UNAUTHORIZED: {
    status: 401,
    title: 'Invalid intake secret',
    message: 'The email events intake %s; send the secret from POST /api/v1/{tenant}/email/settings/intake-secret as the Basic password or a Bearer token',
  },
  EMAIL_INTAKE_INVALID: { status: 400, title: 'Invalid bounce or complaint', message: 'The email event %s' },
  // Modules.
  EMAIL_RECIPIENT_NOT_ALLOWED: {
    status: 403,
    title: 'Recipient not allowed',
    message: "The module's email grant reaches the tenant's own addresses only (%s); %s is not one of them",
  },
  EMAIL_MODULE_DAILY_LIMIT: { status: 429, title: 'Daily email limit reached', message: "This tenant's modules sent %s emails today, the most EMAIL_MODULE_DAILY_LIMIT allows; try again tomorrow (UTC)" },
});

export type EmailErrorCode = keyof typeof EmailErrors;
