import { randomUUID } from 'node:crypto';
import type { Tenant, TenantData, TenantDueIndex } from '@dogan/tenants';
import { addressKey, addressList, checkAddress } from '../addresses.js';
import type { EmailStatus, OutgoingEmail } from '../email-api.js';
import { EmailErrors } from '../errors.js';
import type { SettingsService } from '../settings/settings-service.js';
import { MessageStore, type MessageRecord } from '../store/message-store.js';
import { SuppressionStore } from '../store/suppression-store.js';
import type { Localization } from '../templates/localization.js';
import { MAX_HTML, MAX_SUBJECT, MAX_TEXT, type TemplateService } from '../templates/template-service.js';

/** Recipients of one message, To and Cc together. */
export const MAX_RECIPIENTS = 50;
export const MAX_DATA_BYTES = 64 * 1024;
export const MAX_KEY_LENGTH = 255;
const SOURCE = /^[a-z][a-z0-9_-]{0,30}(:[\x21-\x7e]{1,160})?$/;

export interface SendServiceDeps {
  readonly data: TenantData;
  readonly settings: SettingsService;
  readonly templates: TemplateService;
  readonly localization: Localization;
  readonly due: TenantDueIndex;
  /** Tells this node's queue worker there is mail to send. */
  readonly kick: () => void;
}

export interface Recorded {
  readonly message: MessageRecord;
  /** False when the idempotency key named a message recorded before: nothing new was queued. */
  readonly created: boolean;
}

function checkSizes(m: OutgoingEmail): void {
  if (m.subject !== undefined && m.subject.length > MAX_SUBJECT) throw EmailErrors.EMAIL_MESSAGE_INVALID(`the subject is longer than ${MAX_SUBJECT} characters`);
  if (m.html !== undefined && m.html.length > MAX_HTML) throw EmailErrors.EMAIL_MESSAGE_INVALID(`the html body is larger than ${MAX_HTML} characters`);
  if (m.text !== undefined && m.text.length > MAX_TEXT) throw EmailErrors.EMAIL_MESSAGE_INVALID(`the text body is larger than ${MAX_TEXT} characters`);
  if (m.data !== undefined && (typeof m.data !== 'object' || m.data === null || Array.isArray(m.data))) throw EmailErrors.EMAIL_MESSAGE_INVALID('data must be an object');
  if (m.data !== undefined && JSON.stringify(m.data).length > MAX_DATA_BYTES) throw EmailErrors.EMAIL_MESSAGE_INVALID(`the template data is larger than ${MAX_DATA_BYTES} bytes`);
  if (m.idempotencyKey !== undefined && (m.idempotencyKey.length === 0 || m.idempotencyKey.length > MAX_KEY_LENGTH)) throw EmailErrors.EMAIL_MESSAGE_INVALID(`an idempotency key is 1 to ${MAX_KEY_LENGTH} characters`);
  if (m.source !== undefined && !SOURCE.test(m.source)) throw EmailErrors.EMAIL_MESSAGE_INVALID('source is a word, optionally with ":" and an id (api, workflow:<id>, module:<id>)');
  if (m.locale !== undefined && m.locale !== 'ar' && m.locale !== 'en') throw EmailErrors.EMAIL_MESSAGE_INVALID('locale is ar or en');
}

/**
 * Sending: a message is checked, rendered in the tenant's language and recorded (queued, or
 * suppressed when every recipient is on the suppression list) in one insert; the queue sends it.
 * An idempotency key makes the insert conditional: the second send with a key finds the first message.
 */
export class SendService {
  constructor(private readonly deps: SendServiceDeps) {}

  /**
   * Checks, renders and records a message. `admit`, when given, runs once the message is known to be
   * well formed and before it is recorded: a caller's own rules (a module's recipients and daily limit).
   */
  async record(tenant: Tenant, message: OutgoingEmail, admit?: (recipients: readonly string[]) => Promise<void>): Promise<Recorded> {
    checkSizes(message);
    const to = addressList(message.to);
    const cc = addressList(message.cc);
    if (to.length === 0) throw EmailErrors.EMAIL_MESSAGE_INVALID('give at least one recipient in "to"');
    if (to.length + cc.length > MAX_RECIPIENTS) throw EmailErrors.EMAIL_MESSAGE_INVALID(`at most ${MAX_RECIPIENTS} recipients (to and cc together)`);
    const replyTo = message.replyTo === undefined ? null : checkAddress(message.replyTo);
    const db = await this.deps.data.of(tenant);
    const key = message.idempotencyKey ?? null;
    if (key !== null) {
      const first = await MessageStore.byKey(db, key);
      if (first) return { message: first, created: false };
    }
    if (!this.deps.settings.configured(await this.deps.settings.record(tenant))) throw EmailErrors.EMAIL_NOT_CONFIGURED();
    const locale = message.locale ?? (await this.deps.localization.language(tenant));
    const rendered = await this.deps.templates.render(tenant, { template: message.template, data: message.data, subject: message.subject, html: message.html, text: message.text, locale });
    await admit?.([...to, ...cc]);
    const suppressedKeys = await SuppressionStore.among(db, [...to, ...cc].map(addressKey));
    const suppressed = [...to, ...cc].filter((a) => suppressedKeys.has(addressKey(a)));
    const status: EmailStatus = suppressed.length === to.length + cc.length ? 'suppressed' : 'queued';
    const id = randomUUID();
    const now = Date.now();
    const inserted = await MessageStore.insert(
      db,
      {
        id,
        status,
        to,
        cc,
        suppressed,
        replyTo,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        template: rendered.template,
        locale: rendered.locale,
        source: message.source ?? null,
        idempotencyKey: key,
        ...(status === 'suppressed' ? { lastErrorCode: 'EMAIL_RECIPIENT_SUPPRESSED', lastErrorMessage: EmailErrors.EMAIL_RECIPIENT_SUPPRESSED(suppressed.join(', ').slice(0, 300)).message } : {}),
      },
      now,
    );
    if (!inserted) {
      // The same key recorded meanwhile (another request, another node): its message stands.
      const first = key === null ? null : await MessageStore.byKey(db, key);
      if (first) return { message: first, created: false };
      throw new Error('an email insert changed no row and no message holds its key');
    }
    if (status === 'queued') {
      await this.deps.due.markDue(tenant.id, now);
      this.deps.kick();
    }
    return { message: (await MessageStore.get(db, id))!, created: true };
  }

  /** The message an idempotency key names, if any. */
  async byKey(tenant: Tenant, key: string): Promise<MessageRecord | null> {
    return MessageStore.byKey(await this.deps.data.of(tenant), key);
  }

  /** Messages recorded since `since` whose source starts with `prefix`. */
  async countFromSource(tenant: Tenant, prefix: string, since: number): Promise<number> {
    return MessageStore.countFromSource(await this.deps.data.of(tenant), prefix, since);
  }

  async get(tenant: Tenant, id: string): Promise<MessageRecord> {
    const found = /^[0-9a-f-]{36}$/.test(id) ? await MessageStore.get(await this.deps.data.of(tenant), id) : null;
    if (!found) throw EmailErrors.EMAIL_MESSAGE_NOT_FOUND(id.slice(0, 64));
    return found;
  }

  async list(tenant: Tenant, query: { status?: EmailStatus; limit: number; offset: number }) {
    return MessageStore.list(await this.deps.data.of(tenant), query);
  }
}
