/** One mailbox of an address header: the address and the display name, each null when the header gave none. */
export interface MailAddress {
  readonly address: string | null;
  readonly name: string | null;
}

export interface ReceivedAttachment {
  readonly filename: string | null;
  readonly contentType: string;
  /** The Content-ID without angle brackets, for `cid:` links in the HTML. */
  readonly contentId: string | null;
  readonly content: Buffer;
}

/** Where a mail came from: the provider format it was posted in, or an IMAP mailbox. */
export type MailProvider = 'postmark' | 'mime' | 'sendgrid' | 'imap';

/** A received mail, whatever its format: what is stored and published. */
export interface ReceivedMail {
  readonly provider: MailProvider;
  /** The Message-ID header, angle brackets included as sent. */
  readonly messageId: string | null;
  readonly from: MailAddress | null;
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly replyTo: readonly MailAddress[];
  readonly subject: string;
  readonly text: string | null;
  readonly html: string | null;
  /** The Date header. */
  readonly date: Date | null;
  readonly inReplyTo: string | null;
  readonly attachments: readonly ReceivedAttachment[];
  /** What identifies the mail when it has no Message-ID: the provider's id, or a hash of its bytes. */
  readonly fallbackKey: string;
  /** The size of what was received (the body posted, or the message in the mailbox), bytes. */
  readonly sizeBytes: number;
}

/** The text of a header value or field: trimmed, empty as null. */
export function textOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A date the mail gave, or null when it gave none that parses. */
export function dateOrNull(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * The mail without NUL characters, which PostgreSQL takes in neither text nor JSON: a mail that has
 * them (a broken client, a hostile sender) is stored and published without them rather than refused.
 */
export function withoutNul(mail: ReceivedMail): ReceivedMail {
  const clean = (s: string) => (s.includes('\u0000') ? s.replaceAll('\u0000', '') : s);
  const maybe = (s: string | null) => (s === null ? null : clean(s));
  const address = (a: MailAddress): MailAddress => ({ address: maybe(a.address), name: maybe(a.name) });
  return {
    ...mail,
    messageId: maybe(mail.messageId),
    from: mail.from ? address(mail.from) : null,
    to: mail.to.map(address),
    cc: mail.cc.map(address),
    replyTo: mail.replyTo.map(address),
    subject: clean(mail.subject),
    text: maybe(mail.text),
    html: maybe(mail.html),
    inReplyTo: maybe(mail.inReplyTo),
    attachments: mail.attachments.map((a) => ({ ...a, filename: maybe(a.filename), contentType: clean(a.contentType), contentId: maybe(a.contentId) })),
  };
}
