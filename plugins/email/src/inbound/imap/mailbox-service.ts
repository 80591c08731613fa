import type { SecretBox } from '@dogan/runtime';
import type { Tenant, TenantsApi } from '@dogan/tenants';
import { InboundErrors } from '../errors.js';
import type { ImapDueIndex } from '../store/imap-due-index.js';
import { ImapStore, type ImapMailboxRecord } from '../store/imap-store.js';
import { connectImap, disconnectImap, imapAddress, imapError, type ImapConnectOptions, type ImapTarget } from './imap-connection.js';

/** A mailbox's settings as a tenant's admin sends them. */
export interface ImapInput {
  readonly host: string;
  readonly port?: number;
  readonly secure?: boolean;
  readonly user: string;
  /** Required the first time; left out later, the stored one is kept. */
  readonly password?: string;
  readonly mailbox?: string;
  readonly enabled?: boolean;
  /** Log in before saving, and refuse settings that do not work (default false: saved as given, the status tells). */
  readonly verify?: boolean;
}

/** A mailbox as the API shows it: never the password. */
export function mailboxView(r: ImapMailboxRecord) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  // An error newer than the last good poll (or polls failing in a row) is a failing mailbox; one left by a single message is a note.
  const failing = r.lastError !== null && (r.failures > 0 || r.lastError.at > (r.lastSuccessAt ?? 0));
  const state = !r.enabled ? 'disabled' : failing ? 'failing' : r.lastSuccessAt === null ? 'never-polled' : 'ok';
  return {
    host: r.host,
    port: r.port,
    secure: r.secure,
    user: r.username,
    passwordSet: true,
    mailbox: r.mailbox,
    enabled: r.enabled,
    status: {
      state,
      lastPollAt: iso(r.lastPollAt),
      lastSuccessAt: iso(r.lastSuccessAt),
      lastError: r.lastError ? { code: r.lastError.code, message: r.lastError.message, at: new Date(r.lastError.at).toISOString() } : null,
      failures: r.failures,
      receivedCount: r.receivedCount,
      uidValidity: r.uidValidity,
      lastUid: r.lastUid,
    },
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

export type MailboxView = ReturnType<typeof mailboxView>;

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/;

/** A tenant's IMAP mailbox: settings (the password encrypted at rest), a login test, and the poll index kept in step. */
export class MailboxService {
  constructor(
    private readonly deps: {
      readonly tenants: TenantsApi;
      readonly box: SecretBox;
      readonly index: ImapDueIndex;
      readonly connect: ImapConnectOptions;
    },
  ) {}

  private db(tenant: Tenant) {
    return this.deps.tenants.data.of(tenant);
  }

  async record(tenant: Tenant): Promise<ImapMailboxRecord> {
    const record = await ImapStore.get(await this.db(tenant));
    if (!record) throw InboundErrors.EMAIL_IMAP_NOT_CONFIGURED();
    return record;
  }

  async get(tenant: Tenant): Promise<MailboxView> {
    return mailboxView(await this.record(tenant));
  }

  async find(tenant: Tenant): Promise<MailboxView | null> {
    const record = await ImapStore.get(await this.db(tenant));
    return record ? mailboxView(record) : null;
  }

  async save(tenant: Tenant, input: ImapInput): Promise<MailboxView> {
    const host = input.host.trim();
    if (!HOST.test(host) || host.length > 253) throw InboundErrors.EMAIL_IMAP_SETTING_INVALID.with({ field: 'host' }, `host "${host.slice(0, 80)}" is not a host name or IP address`);
    const secure = input.secure ?? true;
    const port = input.port ?? (secure ? 993 : 143);
    const db = await this.db(tenant);
    const before = await ImapStore.get(db);
    if (input.password === undefined && !before) throw InboundErrors.EMAIL_IMAP_SETTING_INVALID.with({ field: 'password' }, 'password is required when a mailbox is first saved');
    const password = input.password ?? this.deps.box.decrypt(before!.password);
    const target: ImapTarget = { host, port, secure, username: input.user, password, mailbox: input.mailbox ?? 'INBOX' };
    // The address is checked on every save for a clear error; every connection checks it again.
    await imapAddress(target, this.deps.connect.allowPrivate);
    if (input.verify) await this.login(target);
    const enabled = input.enabled ?? true;
    await ImapStore.save(db, { host, port, secure, username: target.username, password: this.deps.box.encrypt(password), mailbox: target.mailbox, enabled }, Date.now());
    await this.deps.index.set(tenant.id, enabled ? Date.now() : null);
    return this.get(tenant);
  }

  async remove(tenant: Tenant): Promise<void> {
    if (!(await ImapStore.remove(await this.db(tenant)))) throw InboundErrors.EMAIL_IMAP_NOT_CONFIGURED();
    await this.deps.index.set(tenant.id, null);
  }

  /** Logs in with the stored settings and opens the mailbox; the outcome is the mailbox's status (an error stays until a poll succeeds). */
  async test(tenant: Tenant): Promise<{ ok: true; mailbox: { path: string; messages: number; unseen: number; uidValidity: number }; imap: MailboxView }> {
    const record = await this.record(tenant);
    const db = await this.db(tenant);
    try {
      const mailbox = await this.login(this.targetOf(record));
      await ImapStore.clearError(db);
      return { ok: true, mailbox, imap: await this.get(tenant) };
    } catch (err) {
      const error = imapError(err, this.targetOf(record));
      await ImapStore.noteError(db, { code: error.code, message: error.message }, Date.now(), false);
      throw error;
    }
  }

  targetOf(record: ImapMailboxRecord): ImapTarget {
    return { host: record.host, port: record.port, secure: record.secure, username: record.username, password: this.deps.box.decrypt(record.password), mailbox: record.mailbox };
  }

  private async login(target: ImapTarget): Promise<{ path: string; messages: number; unseen: number; uidValidity: number }> {
    const client = await connectImap(target, this.deps.connect);
    try {
      const status = await client.status(target.mailbox, { messages: true, unseen: true, uidValidity: true });
      if (!status) throw InboundErrors.EMAIL_IMAP_MAILBOX_NOT_FOUND(`${target.host}:${target.port}`, target.mailbox);
      return { path: status.path, messages: status.messages ?? 0, unseen: status.unseen ?? 0, uidValidity: Number(status.uidValidity ?? 0) };
    } catch (err) {
      throw imapError(err, target);
    } finally {
      await disconnectImap(client);
    }
  }
}
