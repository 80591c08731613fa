import { randomUUID } from 'node:crypto';
import type { EventOutbox, SqlSession, Tenant } from '@dogan/tenants';
import { InboundErrors } from '../errors.js';
import { withoutNul, type ReceivedMail } from '../mail/received-mail.js';
import { EMAIL_RECEIVED, receivedPayload } from '../mail/received-payload.js';
import { dedupKey, MessageStore } from '../store/message-store.js';

export interface RecordOutcome {
  readonly outcome: 'recorded' | 'duplicate';
  /** The stored mail's id (for a duplicate, the one received first). */
  readonly id: string;
  /** Its `email.received` event (for a duplicate, the first one's). */
  readonly eventId: string;
}

export interface RecordOptions {
  readonly source: 'webhook' | 'imap';
  /** More statements of the same transaction, run whether the mail is new or not (an IMAP mailbox's position). */
  readonly also?: (tx: SqlSession, fresh: boolean) => Promise<void>;
}

/**
 * Records received mail: one transaction claims the mail's receipt (its Message-ID), stores it with
 * its attachments and records its `email.received` event in the outbox, so a mail is published once
 * however often it is delivered or read, and never when the transaction rolls back.
 */
export class MailRecorder {
  constructor(
    private readonly outbox: () => EventOutbox | undefined,
    private readonly inlineAttachmentBytes: number,
  ) {}

  /** Throws EMAIL_INBOUND_EVENTS_UNAVAILABLE when nothing could publish: checked before anything is read or written. */
  requireOutbox(): EventOutbox {
    const outbox = this.outbox();
    if (!outbox) throw InboundErrors.EMAIL_INBOUND_EVENTS_UNAVAILABLE();
    return outbox;
  }

  async record(tenant: Tenant, db: SqlSession, received: ReceivedMail, options: RecordOptions): Promise<RecordOutcome> {
    const outbox = this.requireOutbox();
    const mail = withoutNul(received);
    const id = randomUUID();
    const eventId = randomUUID();
    const now = new Date();
    const payload = receivedPayload({ id, tenantId: tenant.id, source: options.source, mail, receivedAt: now, inlineAttachmentBytes: this.inlineAttachmentBytes });
    const fresh = await db.transaction(async (tx) => {
      const claimed = await MessageStore.claim(tx, { id, eventId, source: options.source, mail }, now.getTime());
      if (claimed) await outbox.record(tx, [{ id: eventId, type: EMAIL_RECEIVED, tenantId: tenant.id, payload, occurredAt: now.toISOString() }]);
      await options.also?.(tx, claimed);
      return claimed;
    });
    if (fresh) return { outcome: 'recorded', id, eventId };
    const first = await MessageStore.findByKey(db, dedupKey(mail));
    return { outcome: 'duplicate', id: first?.id ?? '', eventId: first?.eventId ?? '' };
  }
}
