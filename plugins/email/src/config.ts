import { bool, int, optionalStr, type Config, type ConfigValues } from '@dogan/runtime';
import { parseMailbox } from './addresses.js';

/** The email plugin's variables: the platform's own SMTP server, and how hard the queue may push. */
export const emailConfigSchema = {
  EMAIL_SMTP_URL: optionalStr({
    description: "The platform's SMTP server, used by tenants without their own: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465",
    pattern: /^smtps?:\/\/[^\s/?#]+(:\d{1,5})?\/?$/,
    secret: true,
    example: 'smtps://no-reply%40dogan.example:password@smtp.example.com:465',
  }),
  EMAIL_FROM: optionalStr({
    description: 'Sender of mail through EMAIL_SMTP_URL: an address, or "Name <address>"',
    example: 'Dogan <no-reply@dogan.example>',
  }),
  EMAIL_ALLOW_PRIVATE_NETWORKS: bool({
    description: "Let tenants' SMTP settings reach private, loopback and link-local addresses (a mail server on the same closed network, tests); never on a shared platform",
    default: false,
  }),
  EMAIL_RATE_PER_MINUTE: int({ description: 'Send attempts one tenant may make per minute, across the cluster; more wait their turn in the queue', default: 60, min: 1, max: 100_000 }),
  EMAIL_MAX_ATTEMPTS: int({ description: 'Attempts at one email before it is failed for good (temporary SMTP errors, unreachable server)', default: 8, min: 1, max: 50 }),
  EMAIL_RETRY_BASE_MS: int({ description: 'Wait before the second attempt at an email, doubled for each one after (at most 6 hours), ms', default: 60_000, min: 10, max: 3_600_000 }),
  EMAIL_POLL_INTERVAL_MS: int({ description: 'How often each node looks for emails that are due, ms', default: 1000, min: 10, max: 60_000 }),
  EMAIL_CONCURRENCY: int({ description: 'Emails one node sends at once', default: 8, min: 1, max: 256 }),
  EMAIL_TIMEOUT_MS: int({ description: 'How long connecting to, greeting and each answer of an SMTP server may take, ms', default: 30_000, min: 100, max: 300_000 }),
  EMAIL_MODULE_DAILY_LIMIT: int({ description: "Emails one tenant's modules may send per UTC day through the email.send capability", default: 200, min: 1, max: 1_000_000 }),
};

export type EmailConfig = Config & ConfigValues<typeof emailConfigSchema>;

/** Rules across the variables: a platform SMTP server needs a sender. */
export function checkEmailConfig(values: ConfigValues<typeof emailConfigSchema>, problems: string[]): void {
  if (values.EMAIL_SMTP_URL && !values.EMAIL_FROM) problems.push('EMAIL_FROM: required with EMAIL_SMTP_URL (the sender of the platform\'s mail, e.g. "Dogan <no-reply@dogan.example>")');
  if (values.EMAIL_FROM) {
    try {
      parseMailbox(values.EMAIL_FROM);
    } catch {
      problems.push('EMAIL_FROM: must be an address or "Name <address>"');
    }
  }
}
