import { createHash } from 'node:crypto';
import { generateToken, hashToken, tokenMatchesHash, type SecretBox } from '@dogan/runtime';
import type { Tenant, TenantData } from '@dogan/tenants';
import type { Logger } from 'pino';
import { addressKey, checkAddress, domainOf, parseMailbox } from '../addresses.js';
import type { EmailConfig } from '../config.js';
import { EmailErrors } from '../errors.js';
import { classifySmtpError } from '../smtp/smtp-errors.js';
import { createTransport } from 'nodemailer';
import { connectionOptions, DEFAULT_PORTS, describeServer, parseSmtpUrl, poolOptions, resolveServer, type SmtpServer } from '../smtp/smtp-target.js';
import type { PooledTransport, TransportCache } from '../smtp/transports.js';
import { SettingsStore, type SettingsRecord, type SmtpSecurity } from '../store/settings-store.js';

/** What `PUT /email/settings` takes: the whole settings; a password left out is kept when server and user are unchanged. */
export interface SettingsInput {
  readonly host?: string | null;
  readonly port?: number;
  readonly security?: SmtpSecurity;
  readonly username?: string | null;
  readonly password?: string | null;
  readonly fromAddress?: string | null;
  readonly fromName?: string | null;
  readonly replyTo?: string | null;
  readonly noticeAddress?: string | null;
  readonly ownDomains?: readonly string[];
}

/** The settings as the API shows them: the password never, only whether one is set. */
export interface SettingsView {
  /** The tenant's own server, or null: it sends through the platform's. */
  readonly smtp: { readonly host: string; readonly port: number; readonly security: SmtpSecurity; readonly username: string | null; readonly passwordSet: boolean } | null;
  readonly usingPlatformDefault: boolean;
  /** Whether the platform has a server (EMAIL_SMTP_URL) for tenants without their own. */
  readonly platformDefaultAvailable: boolean;
  readonly fromAddress: string | null;
  readonly fromName: string | null;
  readonly replyTo: string | null;
  /** The billing contact: where the platform's notices (trial, invoices, payments, webhooks) go. */
  readonly noticeAddress: string | null;
  readonly ownDomains: readonly string[];
  /** The domains a module with the `tenant` email grant may write to: `ownDomains`, else those of the sender and notice addresses. */
  readonly effectiveOwnDomains: readonly string[];
  readonly intakeSecretSet: boolean;
  readonly updatedAt: string | null;
}

/** What the queue sends a tenant's mail through, resolved from its settings now. */
export interface Sender {
  readonly transport: PooledTransport;
  readonly from: { readonly name: string | null; readonly address: string };
  readonly replyTo: string | null;
  readonly server: string;
}

export interface SettingsServiceDeps {
  readonly data: TenantData;
  readonly box: SecretBox;
  readonly config: EmailConfig;
  readonly transports: TransportCache;
  readonly log: Logger;
}

const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9a-fA-F:.]+\]?$/;
const DOMAIN = /^(?=.{1,253}$)[\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?(\.[\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+$/u;
const PLATFORM_KEY = '*platform';
const optional = (value: string | null | undefined) => (value === undefined || value === null || value.trim() === '' ? null : value.trim());

/**
 * A tenant's email settings: its own SMTP server (the password encrypted, never shown again) or the
 * platform's, its sender, reply-to and billing contact, the domains it calls its own, and the secret
 * its mail provider signs bounce reports with. Saving checks the login first unless asked not to.
 */
export class SettingsService {
  private readonly platform: SmtpServer | undefined;
  private readonly platformFrom: { name: string | null; address: string } | undefined;

  constructor(private readonly deps: SettingsServiceDeps) {
    const { EMAIL_SMTP_URL, EMAIL_FROM } = deps.config;
    this.platform = EMAIL_SMTP_URL ? parseSmtpUrl(EMAIL_SMTP_URL) : undefined;
    this.platformFrom = EMAIL_FROM ? parseMailbox(EMAIL_FROM) : undefined;
  }

  private db(tenant: Tenant) {
    return this.deps.data.of(tenant);
  }

  async record(tenant: Tenant): Promise<SettingsRecord | null> {
    return SettingsStore.get(await this.db(tenant));
  }

  view(record: SettingsRecord | null): SettingsView {
    const smtp = record?.smtp;
    return {
      smtp: smtp ? { host: smtp.host, port: smtp.port, security: smtp.security, username: smtp.username, passwordSet: smtp.password !== null } : null,
      usingPlatformDefault: !smtp,
      platformDefaultAvailable: this.platform !== undefined,
      fromAddress: record?.fromAddress ?? null,
      fromName: record?.fromName ?? null,
      replyTo: record?.replyTo ?? null,
      noticeAddress: record?.noticeAddress ?? null,
      ownDomains: record?.ownDomains ?? [],
      effectiveOwnDomains: ownDomains(record),
      intakeSecretSet: Boolean(record?.intakeSecretHash),
      updatedAt: record ? new Date(record.updatedAt).toISOString() : null,
    };
  }

  async get(tenant: Tenant): Promise<SettingsView> {
    return this.view(await this.record(tenant));
  }

  /** Validates and saves; with `verify` (the default) the server must accept the login first, or nothing is saved. */
  async put(tenant: Tenant, input: SettingsInput, options: { verify?: boolean } = {}): Promise<SettingsView> {
    const before = await this.record(tenant);
    const host = optional(input.host);
    let smtp: SettingsRecord['smtp'] = null;
    let clear: SmtpServer | undefined;
    if (host) {
      if (!HOST.test(host)) throw EmailErrors.EMAIL_SETTINGS_INVALID.with({ field: 'host' }, `host ${JSON.stringify(host.slice(0, 100))} is not a host name or address`);
      const security = input.security ?? 'starttls';
      const port = input.port ?? DEFAULT_PORTS[security];
      const username = optional(input.username);
      const kept = before?.smtp && before.smtp.host === host && before.smtp.username === username && input.password === undefined ? before.smtp.password : null;
      const password = input.password ? this.deps.box.encrypt(input.password) : kept;
      if (username && !password) throw EmailErrors.EMAIL_SETTINGS_INVALID.with({ field: 'password' }, 'a username needs its password');
      smtp = { host, port, security, username, password };
      clear = { host, port, security, username, password: password ? this.deps.box.decrypt(password) : null };
    }
    const fromAddress = optional(input.fromAddress);
    if (host && !fromAddress) throw EmailErrors.EMAIL_SETTINGS_INVALID.with({ field: 'fromAddress' }, 'a tenant SMTP server needs a fromAddress to send as');
    const write = {
      smtp,
      fromAddress: fromAddress ? checkAddress(fromAddress) : null,
      fromName: optional(input.fromName)?.replace(/[\r\n"<>]+/g, ' ').slice(0, 200) ?? null,
      replyTo: optional(input.replyTo) ? checkAddress(input.replyTo!) : null,
      noticeAddress: optional(input.noticeAddress) ? checkAddress(input.noticeAddress!) : null,
      ownDomains: [...new Set((input.ownDomains ?? []).map((d) => d.trim().toLowerCase()))].map((d) => {
        if (!DOMAIN.test(d)) throw EmailErrors.EMAIL_SETTINGS_INVALID.with({ field: 'ownDomains' }, `${JSON.stringify(d.slice(0, 100))} is not a domain`);
        return d;
      }),
      intakeSecretHash: before?.intakeSecretHash ?? null,
    };
    if (clear && options.verify !== false) await this.verify(clear);
    await SettingsStore.put(await this.db(tenant), write, Date.now());
    this.deps.transports.invalidate(tenant.id);
    this.deps.log.info({ tenantId: tenant.id, smtp: clear ? describeServer(clear) : 'platform', verified: Boolean(clear) && options.verify !== false }, 'email settings saved');
    return this.get(tenant);
  }

  async remove(tenant: Tenant): Promise<void> {
    await SettingsStore.remove(await this.db(tenant));
    this.deps.transports.invalidate(tenant.id);
  }

  /** Logs in to the server the tenant sends through now (its own, else the platform's) and says which. */
  async test(tenant: Tenant): Promise<{ ok: true; server: string; usingPlatformDefault: boolean }> {
    const record = await this.record(tenant);
    const server = this.serverOf(record);
    await this.verify(server);
    return { ok: true, server: describeServer(server), usingPlatformDefault: !record?.smtp };
  }

  /** A new secret for the bounce and complaint intake (the old one stops working); shown this once. */
  async rotateIntakeSecret(tenant: Tenant): Promise<string> {
    const secret = generateToken('esk');
    const db = await this.db(tenant);
    const before = await SettingsStore.get(db);
    const keep = before ?? { smtp: null, fromAddress: null, fromName: null, replyTo: null, noticeAddress: null, ownDomains: [], intakeSecretHash: null };
    await SettingsStore.put(db, { ...keep, intakeSecretHash: hashToken(secret) }, Date.now());
    return secret;
  }

  async intakeSecretMatches(tenant: Tenant, secret: string): Promise<boolean> {
    const hash = (await this.record(tenant))?.intakeSecretHash;
    return Boolean(hash) && tokenMatchesHash(secret, hash!);
  }

  /** The sender of a tenant's mail now; EMAIL_NOT_CONFIGURED when it has no server and the platform none either. */
  async sender(tenant: Tenant, record?: SettingsRecord | null): Promise<Sender> {
    const settings = record === undefined ? await this.record(tenant) : record;
    const own = settings?.smtp;
    if (own) {
      const server: SmtpServer = { ...own, password: own.password ? this.deps.box.decrypt(own.password) : null };
      const fingerprint = createHash('sha256').update(JSON.stringify([own, settings.updatedAt])).digest('hex');
      const address = await resolveServer(own.host, this.deps.config.EMAIL_ALLOW_PRIVATE_NETWORKS);
      const transport = this.deps.transports.get(tenant.id, `${fingerprint}|${address}`, () => poolOptions(server, address, this.deps.config.EMAIL_TIMEOUT_MS));
      return { transport, from: { name: settings.fromName, address: settings.fromAddress! }, replyTo: settings.replyTo, server: describeServer(own) };
    }
    if (!this.platform || !this.platformFrom) throw EmailErrors.EMAIL_NOT_CONFIGURED();
    const platform = this.platform;
    const transport = this.deps.transports.get(PLATFORM_KEY, 'platform', () => poolOptions(platform, platform.host, this.deps.config.EMAIL_TIMEOUT_MS));
    // Through the platform's server the mail is the platform's address; the tenant's name is shown with it.
    return { transport, from: { name: settings?.fromName ?? this.platformFrom.name ?? tenant.name, address: this.platformFrom.address }, replyTo: settings?.replyTo ?? null, server: describeServer(platform) };
  }

  /** Whether the tenant can send at all (its own server, or the platform's). */
  configured(record: SettingsRecord | null): boolean {
    return Boolean(record?.smtp) || (this.platform !== undefined && this.platformFrom !== undefined);
  }

  private serverOf(record: SettingsRecord | null): SmtpServer {
    const own = record?.smtp;
    if (own) return { ...own, password: own.password ? this.deps.box.decrypt(own.password) : null };
    if (!this.platform) throw EmailErrors.EMAIL_NOT_CONFIGURED();
    return this.platform;
  }

  /** One login with a transport of its own (not the cached pool): EMAIL_SMTP_AUTH_FAILED, EMAIL_SMTP_UNREACHABLE... */
  private async verify(server: SmtpServer): Promise<void> {
    const own = server !== this.platform;
    const address = own ? await resolveServer(server.host, this.deps.config.EMAIL_ALLOW_PRIVATE_NETWORKS) : server.host;
    const transport = createTransport(connectionOptions(server, address, this.deps.config.EMAIL_TIMEOUT_MS));
    try {
      await transport.verify();
    } catch (err) {
      const failure = classifySmtpError(err);
      const where = describeServer(server);
      if (failure.code === 'EMAIL_SMTP_AUTH_FAILED') throw EmailErrors.EMAIL_SMTP_AUTH_FAILED(where, failure.message);
      if (failure.code === 'EMAIL_SMTP_UNREACHABLE' || failure.retry) throw EmailErrors.EMAIL_SMTP_UNREACHABLE(where, failure.message);
      throw EmailErrors.EMAIL_SMTP_REJECTED(where, failure.message);
    } finally {
      transport.close();
    }
  }
}

/** The domains that count as the tenant's own: those it listed, else those of its sender and notice addresses. */
export function ownDomains(record: SettingsRecord | null): string[] {
  if (!record) return [];
  if (record.ownDomains.length > 0) return [...record.ownDomains];
  return [...new Set([record.fromAddress, record.noticeAddress].filter((a): a is string => Boolean(a)).map(domainOf))];
}

/** Whether `address` is the tenant's: its notice address, or on one of its domains. */
export function isOwnAddress(record: SettingsRecord | null, address: string): boolean {
  const key = addressKey(address);
  if (record?.noticeAddress && addressKey(record.noticeAddress) === key) return true;
  return ownDomains(record).includes(domainOf(key));
}
