import type { Tenant, TenantsApi } from '@dogan/tenants';
import { InboundErrors } from '../errors.js';
import type { MailboxService } from '../imap/mailbox-service.js';
import type { StoredMessage } from '../store/message-store.js';
import { MessageStore } from '../store/message-store.js';
import { SettingsStore } from '../store/settings-store.js';
import { hashSecret, newInboundSecret, SECRET_HEADER, secretHint } from './inbound-secret.js';

export interface InboundLimits {
  readonly maxBytes: number;
  readonly maxAttachmentBytes: number;
  readonly inlineAttachmentBytes: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function messageJson(m: StoredMessage) {
  return {
    id: m.id,
    messageId: m.messageId,
    source: m.source,
    provider: m.provider,
    from: m.from,
    to: m.to,
    cc: m.cc,
    replyTo: m.replyTo,
    subject: m.subject,
    date: iso(m.date),
    inReplyTo: m.inReplyTo,
    eventId: m.eventId,
    attachmentCount: m.attachmentCount,
    sizeBytes: m.sizeBytes,
    receivedAt: new Date(m.receivedAt).toISOString(),
  };
}

/** The tenant-facing side of inbound mail: the intake's address and secret, and the mail received. */
export class InboundService {
  constructor(
    private readonly deps: {
      readonly tenants: TenantsApi;
      readonly mailboxes: MailboxService;
      readonly limits: InboundLimits;
      /** EMAIL_INBOUND_BASE_URL, else the address a request came in on. */
      readonly publicBaseUrl: string | undefined;
    },
  ) {}

  private db(tenant: Tenant) {
    return this.deps.tenants.data.of(tenant);
  }

  /** Where providers post this tenant's mail. */
  intakeUrl(tenant: Tenant, requestBase: string): string {
    return `${this.deps.publicBaseUrl ?? requestBase}/api/webhooks/email/${tenant.subdomain}/inbound`;
  }

  async settings(tenant: Tenant, requestBase: string) {
    const settings = await SettingsStore.get(await this.db(tenant));
    return {
      url: this.intakeUrl(tenant, requestBase),
      authentication: { header: SECRET_HEADER, basic: 'any user name, the secret as the password (https://inbound:<secret>@host/...)' },
      formats: ['application/json (Postmark inbound)', 'message/rfc822 (the raw message)', 'multipart/form-data (SendGrid Inbound Parse, raw or parsed)'],
      secret: { set: Boolean(settings?.secretHash), hint: settings?.secretHint ?? null, rotatedAt: iso(settings?.secretRotatedAt ?? null) },
      limits: this.deps.limits,
      receivedCount: settings?.receivedCount ?? 0,
      lastReceivedAt: iso(settings?.lastReceivedAt ?? null),
      imap: await this.deps.mailboxes.find(tenant),
    };
  }

  /** A new secret, answered this once; only its hash is kept. */
  async rotateSecret(tenant: Tenant, requestBase: string) {
    const secret = newInboundSecret();
    await SettingsStore.setSecret(await this.db(tenant), hashSecret(secret), secretHint(secret), Date.now());
    const url = this.intakeUrl(tenant, requestBase);
    const withAuth = new URL(url);
    withAuth.username = 'inbound';
    withAuth.password = secret;
    return { secret, url, urlWithSecret: withAuth.toString(), header: SECRET_HEADER, settings: await this.settings(tenant, requestBase) };
  }

  async messages(tenant: Tenant, limit: number, before: string | undefined) {
    const db = await this.db(tenant);
    const cursor = before ? { receivedAt: Number(before.slice(0, before.indexOf(':'))), id: before.slice(before.indexOf(':') + 1) } : undefined;
    const rows = await MessageStore.list(db, limit, cursor);
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return { items: rows.map(messageJson), total: await MessageStore.count(db), nextCursor: last ? `${last.receivedAt}:${last.id}` : null };
  }

  async message(tenant: Tenant, id: string) {
    const db = await this.db(tenant);
    const m = await MessageStore.get(db, id);
    if (!m) throw InboundErrors.EMAIL_INBOUND_MESSAGE_NOT_FOUND(id);
    const attachments = (await MessageStore.attachments(db, id)).map((a) => ({ ...a, downloadPath: `/api/v1/${tenant.id}/email/inbound/messages/${id}/attachments/${a.part}` }));
    return { ...messageJson(m), text: m.text ?? null, html: m.html ?? null, attachments };
  }

  async attachment(tenant: Tenant, id: string, part: number) {
    const found = await MessageStore.attachmentContent(await this.db(tenant), id, part);
    if (!found) throw InboundErrors.EMAIL_INBOUND_ATTACHMENT_NOT_FOUND(String(part), id);
    return found;
  }
}
