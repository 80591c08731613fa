import { createServiceRef } from '@dogan/runtime';

/** One email to send for a tenant: a template of the tenant's (or a built-in one) with data, or subject and body given. */
export interface OutgoingEmail {
  readonly to: string | readonly string[];
  readonly cc?: readonly string[];
  readonly replyTo?: string;
  /** A template name (`trial_ending`, or one the tenant saved); with it, subject and body come from the template. */
  readonly template?: string;
  /** The template's language; default the tenant's language (its KSA plugin setting, else its record's locale). */
  readonly locale?: 'ar' | 'en';
  readonly data?: Record<string, unknown>;
  readonly subject?: string;
  readonly text?: string;
  readonly html?: string;
  /** A send with a key already used by this tenant returns the first message and sends nothing. */
  readonly idempotencyKey?: string;
  /** Who asked, for the record: `workflow:<id>`, `module:<id>`, `notice:<kind>`, `api`. */
  readonly source?: string;
}

export type EmailStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed';

/** A message as recorded (and as the API shows it): never the SMTP password. */
export interface EmailMessageView {
  readonly id: string;
  readonly status: EmailStatus;
  readonly to: readonly string[];
  readonly subject: string;
  readonly template: string | null;
  readonly locale: 'ar' | 'en';
  readonly source: string | null;
  readonly attempts: number;
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /** The SMTP Message-ID once sent. */
  readonly messageId: string | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
}

/** The email plugin's service for other plugins (workflows, billing notices through events, identity invitations). */
export interface EmailApi {
  /** Renders and queues; resolves once the message is recorded (queued or suppressed), not when it leaves. */
  send(tenantId: string, message: OutgoingEmail): Promise<EmailMessageView>;
  get(tenantId: string, id: string): Promise<EmailMessageView | undefined>;
  /**
   * Where the tenant's platform notices go (the settings' notice address, else billing's customer
   * email, else the tenant's contact) and in which language; null when the tenant has none. Workflow
   * email steps addressed to `billing-contact` send here.
   */
  billingContact(tenantId: string): Promise<{ readonly address: string; readonly locale: 'ar' | 'en' } | null>;
}

export const emailApiRef = createServiceRef<EmailApi>({ id: 'email.api' });
