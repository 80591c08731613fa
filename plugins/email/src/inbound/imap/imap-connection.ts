import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isDoganError, isPublicAddress, type DoganError } from '@dogan/runtime';
import { ImapFlow } from 'imapflow';
import { InboundErrors } from '../errors.js';

/** Where and as whom to log in: the stored settings with the password decrypted. */
export interface ImapTarget {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly username: string;
  readonly password: string;
  readonly mailbox: string;
}

export interface ImapConnectOptions {
  readonly timeoutMs: number;
  /** EMAIL_IMAP_ALLOW_PRIVATE_NETWORKS. */
  readonly allowPrivate: boolean;
}

const where = (t: Pick<ImapTarget, 'host' | 'port'>) => `${t.host}:${t.port}`;

/**
 * The address to connect to: every address the host resolves to must be public unless private
 * networks are allowed. Resolved for every connection and connected to by address (the name kept for
 * TLS), so a DNS answer that changes after the settings were saved cannot reach an internal address.
 */
export async function imapAddress(t: Pick<ImapTarget, 'host' | 'port'>, allowPrivate: boolean): Promise<string> {
  const host = t.host.replace(/^\[|\]$/g, '');
  let answers: Array<{ address: string }>;
  if (isIP(host)) answers = [{ address: host }];
  else {
    try {
      answers = await lookup(host, { all: true, verbatim: true });
    } catch (err) {
      throw InboundErrors.EMAIL_IMAP_UNREACHABLE(where(t), `the name does not resolve: ${(err as NodeJS.ErrnoException).code ?? 'no answer'}`);
    }
  }
  const refused = allowPrivate ? undefined : answers.find((a) => !isPublicAddress(a.address));
  if (refused) throw InboundErrors.EMAIL_IMAP_ADDRESS_FORBIDDEN(host, refused.address);
  if (!answers[0]) throw InboundErrors.EMAIL_IMAP_UNREACHABLE(where(t), 'the name has no address');
  return answers[0].address;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
]);

interface ImapLikeError {
  code?: string;
  message?: string;
  authenticationFailed?: boolean;
  tlsFailed?: boolean;
  mailboxMissing?: boolean;
  serverResponseCode?: string;
  responseText?: string;
}

/** What an IMAP failure means for the tenant, as one of the table's errors (a DoganError passes through). */
export function imapError(err: unknown, t: Pick<ImapTarget, 'host' | 'port' | 'mailbox'>): DoganError {
  if (isDoganError(err)) return err;
  const e = (err ?? {}) as ImapLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  const said = (e.responseText || e.message || code || 'no reason given').slice(0, 200);
  if (e.authenticationFailed) return InboundErrors.EMAIL_IMAP_AUTH_FAILED(where(t), e.serverResponseCode ? `${e.serverResponseCode}: ${said}` : said);
  if (e.mailboxMissing) return InboundErrors.EMAIL_IMAP_MAILBOX_NOT_FOUND(where(t), t.mailbox);
  if (e.tlsFailed || code === 'ClosedAfterConnectTLS' || /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY)/.test(code)) return InboundErrors.EMAIL_IMAP_TLS_FAILED(where(t), code || said);
  if (UNREACHABLE_CODES.has(code)) return InboundErrors.EMAIL_IMAP_UNREACHABLE(where(t), code);
  return InboundErrors.EMAIL_IMAP_FAILED(where(t), code ? `${code}: ${said}` : said);
}

/**
 * A logged-in IMAP client (imapflow), or the failure as EMAIL_IMAP_*. Logging of the library is off:
 * its lines would carry the mailbox's content and the login.
 */
export async function connectImap(t: ImapTarget, options: ImapConnectOptions): Promise<ImapFlow> {
  const address = await imapAddress(t, options.allowPrivate);
  const servername = isIP(t.host.replace(/^\[|\]$/g, '')) ? undefined : t.host;
  const client = new ImapFlow({
    host: address,
    port: t.port,
    secure: t.secure,
    ...(servername ? { servername, tls: { servername } } : {}),
    auth: { user: t.username, pass: t.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: Math.max(options.timeoutMs * 4, 60_000),
  });
  // A connection that drops later is seen by the command that was waiting; the event must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw imapError(err, t);
  }
  return client;
}

/** Logs out politely, or just closes when the server does not answer. */
export async function disconnectImap(client: ImapFlow): Promise<void> {
  try {
    await client.logout();
  } catch {
    client.close();
  }
}
