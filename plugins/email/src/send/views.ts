import type { EmailMessageView } from '../email-api.js';
import type { MessageRecord } from '../store/message-store.js';

/** A message as the API and other plugins see it: addresses, status, attempts; never credentials. */
export interface MessageView extends EmailMessageView {
  readonly cc: readonly string[];
  readonly replyTo: string | null;
  /** Recipients left out because they are on the suppression list. */
  readonly suppressed: readonly string[];
  readonly nextAttemptAt: string | null;
}

/** One message with what was sent. */
export interface MessageDetailView extends MessageView {
  readonly html: string;
  readonly text: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function messageView(m: MessageRecord): MessageView {
  return {
    id: m.id,
    status: m.status,
    to: m.to,
    cc: m.cc,
    replyTo: m.replyTo,
    suppressed: m.suppressed,
    subject: m.subject,
    template: m.template,
    locale: m.locale,
    source: m.source,
    attempts: m.attempts,
    lastError: m.lastErrorCode ? { code: m.lastErrorCode, message: m.lastErrorMessage ?? '' } : null,
    messageId: m.messageId,
    nextAttemptAt: m.status === 'queued' ? iso(m.nextAttemptAt) : null,
    createdAt: new Date(m.createdAt).toISOString(),
    sentAt: iso(m.sentAt),
  };
}

export function messageDetailView(m: MessageRecord): MessageDetailView {
  return { ...messageView(m), html: m.html, text: m.text };
}
