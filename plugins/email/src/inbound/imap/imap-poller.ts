import { isDoganError } from '@dogan/runtime';
import type { SqlSession, Tenant, TenantsApi } from '@dogan/tenants';
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { InboundErrors } from '../errors.js';
import type { MailRecorder } from '../intake/mail-recorder.js';
import { parseMime } from '../mail/parse-mime.js';
import type { ImapDueIndex } from '../store/imap-due-index.js';
import { ImapStore, type ImapMailboxRecord } from '../store/imap-store.js';
import { connectImap, disconnectImap, imapError, type ImapConnectOptions, type ImapTarget } from './imap-connection.js';
import type { MailboxService } from './mailbox-service.js';

/** What one poll of a mailbox did. */
export interface PollResult {
  readonly state: 'ok' | 'failing' | 'disabled';
  /** Messages recorded as new mail (each one `email.received`). */
  readonly recorded: number;
  /** Messages whose Message-ID was received before (marked seen, nothing published). */
  readonly duplicates: number;
  /** Messages left unseen in the mailbox because they could not be taken (too large, unreadable). */
  readonly skipped: number;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface ImapPollerDeps {
  readonly tenants: TenantsApi;
  readonly mailboxes: MailboxService;
  readonly recorder: MailRecorder;
  readonly index: ImapDueIndex;
  readonly connect: ImapConnectOptions;
  readonly intervalMs: number;
  readonly batchSize: number;
  readonly maxBytes: number;
  readonly maxAttachmentBytes: number;
  readonly log: Logger;
}

/** Tenants one node polls at once in a cluster run. */
const CONCURRENCY = 4;
/** The longest a failing mailbox waits between polls. */
const MAX_BACKOFF_MS = 3_600_000;

/**
 * Reads tenants' IMAP mailboxes: unseen messages with a UID above the last one taken (under the
 * mailbox's UIDVALIDITY) are parsed and recorded like posted mail, in the transaction that also
 * moves the mailbox's position, then marked \Seen. A failure is the mailbox's status, never the
 * job's: one tenant's broken server does not stop the others.
 */
export class ImapPoller {
  private readonly inFlight = new Map<string, Promise<PollResult>>();
  private readonly closing = new AbortController();

  constructor(private readonly deps: ImapPollerDeps) {}

  /** The cluster job's run: every tenant whose mailbox is due, a few at a time. */
  async runDue(dueAt: number, signal?: AbortSignal): Promise<number> {
    const queue = await this.deps.index.due(dueAt, 500);
    let polled = 0;
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && !signal?.aborted && !this.closing.signal.aborted; id = queue.shift()) {
        try {
          const tenant = await this.deps.tenants.tenants.find(id);
          if (!tenant || !['trial', 'active'].includes(tenant.status)) {
            await this.deps.index.set(id, null);
            continue;
          }
          await this.poll(tenant, dueAt, signal);
          polled++;
        } catch (err) {
          this.deps.log.warn({ err, tenantId: id }, 'imap mailbox of a tenant could not be polled; it stays due');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    return polled;
  }

  /** Polls the tenant's mailbox now; a poll of the same tenant already running on this node is joined, not doubled. */
  poll(tenant: Tenant, base = Date.now(), signal?: AbortSignal): Promise<PollResult> {
    const running = this.inFlight.get(tenant.id);
    if (running) return running;
    const work = this.pollOnce(tenant, base, signal).finally(() => this.inFlight.delete(tenant.id));
    this.inFlight.set(tenant.id, work);
    return work;
  }

  /** Stops taking messages and waits for the polls running here. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async pollOnce(tenant: Tenant, base: number, signal: AbortSignal | undefined): Promise<PollResult> {
    const db = await this.deps.tenants.data.of(tenant);
    const record = await ImapStore.get(db);
    if (!record || !record.enabled) {
      await this.deps.index.set(tenant.id, null);
      return { state: 'disabled', recorded: 0, duplicates: 0, skipped: 0, error: null };
    }
    const target = this.deps.mailboxes.targetOf(record);
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    let result: PollResult;
    try {
      result = await this.read(tenant, db, record, target, stop);
      // A failure recorded before (a poll, a test: newer than the last good poll) is over now; a note about one message stays.
      const failed = record.failures > 0 || (record.lastError !== null && record.lastError.at > (record.lastSuccessAt ?? 0));
      await ImapStore.noteSuccess(db, Date.now(), result.error, failed);
      await this.deps.index.set(tenant.id, base + this.deps.intervalMs);
    } catch (err) {
      // A poll cut short by shutdown or a lost lease is not the server's fault.
      if (stop.aborted) return { state: 'ok', recorded: 0, duplicates: 0, skipped: 0, error: null };
      const error = imapError(err, target);
      if (!error.code.startsWith('EMAIL_IMAP_') && !error.code.startsWith('EMAIL_INBOUND_')) throw err;
      await ImapStore.noteError(db, { code: error.code, message: error.message }, Date.now());
      const failures = record.failures + 1;
      await this.deps.index.set(tenant.id, base + Math.min(MAX_BACKOFF_MS, this.deps.intervalMs * 2 ** Math.min(failures - 1, 10)));
      this.deps.log.warn({ tenantId: tenant.id, code: error.code, failures }, 'imap mailbox poll failed');
      return { state: 'failing', recorded: 0, duplicates: 0, skipped: 0, error: { code: error.code, message: error.message } };
    }
    if (result.recorded + result.duplicates + result.skipped > 0) {
      this.deps.log.info({ tenantId: tenant.id, recorded: result.recorded, duplicates: result.duplicates, skipped: result.skipped }, 'imap mailbox polled');
    }
    return result;
  }

  /** Logs in, opens the mailbox, takes up to a batch of new unseen messages. */
  private async read(tenant: Tenant, db: SqlSession, record: ImapMailboxRecord, target: ImapTarget, stop: AbortSignal): Promise<PollResult> {
    // Checked before the server is asked anything: without events nothing could be published.
    this.deps.recorder.requireOutbox();
    const client = await connectImap(target, this.deps.connect);
    try {
      const lock = await client.getMailboxLock(target.mailbox);
      try {
        const mailbox = client.mailbox;
        if (!mailbox) throw InboundErrors.EMAIL_IMAP_MAILBOX_NOT_FOUND(`${target.host}:${target.port}`, target.mailbox);
        const validity = Number(mailbox.uidValidity);
        // Another UIDVALIDITY: the old UIDs mean nothing; Message-IDs keep what was taken from being taken twice.
        const lastUid = record.uidValidity === validity ? record.lastUid : 0;
        if (record.uidValidity !== validity) await ImapStore.resetPosition(db, validity);
        const found = (await client.search({ seen: false, uid: `${lastUid + 1}:*` }, { uid: true })) || [];
        // `n:*` names the last message even when its UID is below n: only UIDs above the position count.
        const uids = found.filter((uid) => uid > lastUid).sort((a, b) => a - b).slice(0, this.deps.batchSize);
        const counts = { recorded: 0, duplicates: 0, skipped: 0 };
        let problem: { code: string; message: string } | null = null;
        for (const uid of uids) {
          if (stop.aborted) break;
          const taken = await this.take(tenant, db, client, validity, uid);
          if (taken === 'recorded' || taken === 'duplicate') counts[taken === 'recorded' ? 'recorded' : 'duplicates']++;
          else if (taken !== 'gone') {
            counts.skipped++;
            problem = { code: taken.code, message: `message UID ${uid} was left in the mailbox: ${taken.message}` };
          }
        }
        return { state: 'ok', ...counts, error: problem };
      } finally {
        lock.release();
      }
    } finally {
      await disconnectImap(client);
    }
  }

  /** One message: fetched, parsed, recorded with the position moved past it, then marked \Seen; or skipped with why. */
  private async take(tenant: Tenant, db: SqlSession, client: ImapFlow, validity: number, uid: number): Promise<'recorded' | 'duplicate' | 'gone' | { code: string; message: string }> {
    const meta = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
    if (!meta) {
      // Expunged since the search: nothing to take.
      await ImapStore.advance(db, validity, uid, false);
      return 'gone';
    }
    if ((meta.size ?? 0) > this.deps.maxBytes) {
      await ImapStore.advance(db, validity, uid, false);
      const error = InboundErrors.EMAIL_INBOUND_TOO_LARGE(`is ${meta.size} bytes; at most ${this.deps.maxBytes} are accepted`);
      return { code: error.code, message: error.message };
    }
    const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    if (!message || !message.source) {
      await ImapStore.advance(db, validity, uid, false);
      return 'gone';
    }
    let mail;
    try {
      mail = await parseMime(message.source, 'imap', this.deps.maxAttachmentBytes);
    } catch (err) {
      if (!isDoganError(err)) throw err;
      await ImapStore.advance(db, validity, uid, false);
      return { code: err.code, message: err.message };
    }
    const outcome = await this.deps.recorder.record(tenant, db, mail, { source: 'imap', also: (tx, fresh) => ImapStore.advance(tx, validity, uid, fresh) });
    await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    return outcome.outcome;
  }
}
