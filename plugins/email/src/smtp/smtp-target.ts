import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from '@dogan/runtime';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { EmailErrors } from '../errors.js';
import type { SmtpSecurity } from '../store/settings-store.js';

/** A server to send through, with its credentials in clear (held in memory only, never logged). */
export interface SmtpServer {
  readonly host: string;
  readonly port: number;
  readonly security: SmtpSecurity;
  readonly username: string | null;
  readonly password: string | null;
}

export const DEFAULT_PORTS: Readonly<Record<SmtpSecurity, number>> = { tls: 465, starttls: 587, none: 25 };

/** `host:port` for messages and logs. */
export const describeServer = (s: Pick<SmtpServer, 'host' | 'port'>) => `${s.host}:${s.port}`;

/**
 * EMAIL_SMTP_URL as a server: `smtps://` is TLS from the first byte (465 by default), `smtp://` takes
 * STARTTLS when the server offers it (587 by default). User and password are URL-encoded in the URL.
 */
export function parseSmtpUrl(raw: string): SmtpServer {
  const url = new URL(raw);
  const security: SmtpSecurity = url.protocol === 'smtps:' ? 'tls' : 'none';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : security === 'tls' ? 465 : 587,
    security,
    username: url.username ? decodeURIComponent(url.username) : null,
    password: url.password ? decodeURIComponent(url.password) : null,
  };
}

/**
 * Where a tenant's server may be reached: every address its name resolves to must be public unless
 * private networks are allowed. The answer is what the transport connects to (TLS still checks the
 * certificate against the name), so a name re-pointed after the check cannot reach an internal address.
 */
export async function resolveServer(host: string, allowPrivate: boolean): Promise<string> {
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      throw EmailErrors.EMAIL_SMTP_UNREACHABLE(host, `the name does not resolve: ${(err as NodeJS.ErrnoException).code ?? 'no answer'}`);
    }
  }
  const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a));
  if (refused) throw EmailErrors.EMAIL_ADDRESS_FORBIDDEN(host, refused);
  if (addresses.length === 0) throw EmailErrors.EMAIL_SMTP_UNREACHABLE(host, 'the name has no address');
  return addresses[0]!;
}

/** Nodemailer's options for one connection to a server reached at `address`. */
export function connectionOptions(server: SmtpServer, address: string, timeoutMs: number): SMTPTransportOptions {
  return {
    host: address,
    port: server.port,
    secure: server.security === 'tls',
    requireTLS: server.security === 'starttls',
    ...(server.username ? { auth: { user: server.username, pass: server.password ?? '' } } : {}),
    tls: { servername: isIP(server.host) ? undefined : server.host },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    // An idle pooled connection is closed after this, so a quiet tenant holds no socket.
    socketTimeout: Math.max(timeoutMs, 60_000),
    logger: false,
    debug: false,
  };
}

/** The pooled transport's options: a few connections per sender, each reused for up to 100 messages. */
export function poolOptions(server: SmtpServer, address: string, timeoutMs: number): SMTPPoolOptions & { pool: true } {
  return { ...connectionOptions(server, address, timeoutMs), pool: true, maxConnections: 3, maxMessages: 100 };
}
