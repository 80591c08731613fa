import { bool, int, optionalStr, type ConfigValues } from '@dogan/runtime';

/** Inbound mail's variables: how big a mail may be, what an event carries, how often IMAP mailboxes are read. */
export const inboundConfigSchema = {
  EMAIL_INBOUND_MAX_BYTES: int({
    description: 'Largest inbound mail accepted (the webhook body, or the message an IMAP mailbox holds), bytes; larger is refused with 413 EMAIL_INBOUND_TOO_LARGE',
    default: 10_485_760,
    min: 1024,
    max: 52_428_800,
  }),
  EMAIL_INBOUND_MAX_ATTACHMENT_BYTES: int({
    description: 'Largest single attachment of an inbound mail, bytes (decoded; never more than EMAIL_INBOUND_MAX_BYTES); a mail with a larger one is refused like an oversized mail',
    default: 5_242_880,
    min: 1024,
    max: 52_428_800,
  }),
  EMAIL_INBOUND_INLINE_ATTACHMENT_BYTES: int({
    description: 'Attachments up to this size ride in the email.received event as base64 (at most 64 KiB in all per event); every attachment is kept in the tenant database and downloadable, bytes',
    default: 16_384,
    min: 0,
    max: 65_536,
  }),
  EMAIL_INBOUND_BASE_URL: optionalStr({
    description: 'Public address mail providers reach this platform at (https://dogan.example.com), used in the inbound URL shown to tenants; default: the address the request came in on',
    pattern: /^https?:\/\/[^/?#\s]+$/,
  }),
  EMAIL_IMAP_POLL_INTERVAL_MS: int({ description: "How often the cluster reads tenants' IMAP mailboxes for new mail, ms", default: 60_000, min: 100, max: 86_400_000 }),
  EMAIL_IMAP_TIMEOUT_MS: int({ description: 'How long connecting, logging in to and each command of an IMAP server may take, ms', default: 15_000, min: 500, max: 120_000 }),
  EMAIL_IMAP_BATCH_SIZE: int({ description: 'Messages one poll takes from one mailbox; the rest wait for the next poll', default: 50, min: 1, max: 1000 }),
  EMAIL_IMAP_ALLOW_PRIVATE_NETWORKS: bool({
    description: 'Let IMAP mailboxes be on private, loopback and link-local addresses (a mail server on the same closed network, tests); never on a shared platform',
    default: false,
  }),
};

export type InboundConfig = ConfigValues<typeof inboundConfigSchema>;

