import type { Tenant, TenantData } from '@dogan/tenants';
import type { Logger } from 'pino';
import { addressKey, domainOf } from '../addresses.js';
import { EmailErrors } from '../errors.js';
import type { Sender, SettingsService } from '../settings/settings-service.js';
import { classifySmtpError, hardRejected, type SmtpFailure } from '../smtp/smtp-errors.js';
import { MessageStore, type AttemptOutcome, type MessageRecord } from '../store/message-store.js';
import type { SettingsRecord } from '../store/settings-store.js';
import { SuppressionStore } from '../store/suppression-store.js';

/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 6 * 3_600_000;

/** The wait after the `attempts`-th attempt failed: doubling from `baseMs`, at most six hours, ±20 % so retries of many messages spread out. */
export function backoffMs(baseMs: number, attempts: number, random = Math.random()): number {
  const delay = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  return Math.round(delay * (0.8 + 0.4 * random));
}

export interface DeliverDeps {
  readonly data: TenantData;
  readonly settings: SettingsService;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly log: Logger;
}

/**
 * One attempt at one claimed message: recipients suppressed since it was queued are left out, the
 * rest get it through the tenant's sender, and the outcome is recorded under the claim. A 5xx for a
 * recipient puts the address on the suppression list; a 4xx, an unreachable server or a refused
 * login is tried again after a backoff, until the attempts run out.
 */
export class Deliverer {
  constructor(private readonly deps: DeliverDeps) {}

  async attempt(tenant: Tenant, message: MessageRecord, token: string, settings: SettingsRecord | null): Promise<AttemptOutcome> {
    const db = await this.deps.data.of(tenant);
    const outcome = await this.run(tenant, message, settings);
    const recorded = await MessageStore.complete(db, message.id, token, outcome, Date.now());
    if (!recorded) this.deps.log.warn({ tenantId: tenant.id, messageId: message.id }, 'an email claim ran out before its attempt ended; another node holds it now');
    this.deps.log.debug({ tenantId: tenant.id, emailId: message.id, outcome: outcome.kind, attempt: message.attempts }, 'email attempt');
    return outcome;
  }

  private async run(tenant: Tenant, message: MessageRecord, settings: SettingsRecord | null): Promise<AttemptOutcome> {
    const db = await this.deps.data.of(tenant);
    const all = [...message.to, ...message.cc];
    const blocked = await SuppressionStore.among(db, all.map(addressKey));
    const suppressed = all.filter((a) => blocked.has(addressKey(a)));
    const to = message.to.filter((a) => !blocked.has(addressKey(a)));
    const cc = message.cc.filter((a) => !blocked.has(addressKey(a)));
    if (to.length + cc.length === 0) {
      return { kind: 'suppressed', code: 'EMAIL_RECIPIENT_SUPPRESSED', message: EmailErrors.EMAIL_RECIPIENT_SUPPRESSED(suppressed.join(', ').slice(0, 300)).message, suppressed };
    }
    let sender: Sender;
    try {
      sender = await this.deps.settings.sender(tenant, settings);
    } catch (err) {
      return this.failed(tenant, message, classifySmtpError(err), suppressed);
    }
    // Stable across attempts, so a copy that did go out before a node died is recognisable as the same message.
    const messageId = `<${message.id}@${domainOf(sender.from.address)}>`;
    try {
      const info = await sender.transport.sendMail({
        from: sender.from.name ? { name: sender.from.name, address: sender.from.address } : sender.from.address,
        to: to.length ? to : undefined,
        cc: cc.length ? cc : undefined,
        replyTo: message.replyTo ?? sender.replyTo ?? undefined,
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId,
        headers: {
          'Content-Language': message.locale,
          // The platform's notices are machine-sent: auto-responders should not answer them (RFC 3834).
          ...(message.source?.startsWith('notice:') ? { 'Auto-Submitted': 'auto-generated' } : {}),
        },
      });
      const rejected = hardRejected(info.rejectedErrors);
      if (rejected.length > 0) {
        await this.suppress(db, rejected, `refused at RCPT TO by ${sender.server}`);
        return { kind: 'sent', messageId: info.messageId || messageId, suppressed: [...suppressed, ...rejected], note: { code: 'EMAIL_RECIPIENT_REJECTED', message: `refused: ${rejected.join(', ')}`.slice(0, 500) } };
      }
      return { kind: 'sent', messageId: info.messageId || messageId, ...(suppressed.length ? { suppressed } : {}) };
    } catch (err) {
      const failure = classifySmtpError(err);
      if (failure.rejected.length > 0) await this.suppress(db, failure.rejected, `${failure.message} (${sender.server})`);
      return this.failed(tenant, message, failure, [...suppressed, ...failure.rejected]);
    }
  }

  private failed(tenant: Tenant, message: MessageRecord, failure: SmtpFailure, suppressed: readonly string[]): AttemptOutcome {
    const extra = suppressed.length ? { suppressed } : {};
    if (failure.retry && message.attempts < this.deps.maxAttempts) {
      return { kind: 'retry', at: Date.now() + backoffMs(this.deps.retryBaseMs, message.attempts), code: failure.code, message: failure.message };
    }
    this.deps.log.warn({ tenantId: tenant.id, emailId: message.id, code: failure.code, attempts: message.attempts }, 'email failed for good');
    const why = failure.retry ? `gave up after ${message.attempts} attempts: ${failure.message}` : failure.message;
    return { kind: 'failed', code: failure.code, message: why, ...extra };
  }

  private async suppress(db: Awaited<ReturnType<TenantData['of']>>, addresses: readonly string[], detail: string): Promise<void> {
    const now = Date.now();
    for (const address of addresses) await SuppressionStore.add(db, { address: addressKey(address), reason: 'hard_bounce', detail, source: 'smtp' }, now);
  }
}
